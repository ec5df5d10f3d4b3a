"""Single-use tokens: `spend` records a token's id once; a second use is refused. Used for
SAML responses and assertions (replays) and the signed sign-in tokens (`jti`)."""

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import SpentToken


def spend(workspace_id: int, kind: str, key: str, expires_at: datetime) -> bool:
    """Record `key` of `kind` as used until `expires_at`; False when it was used before
    (two racing uses: the unique key lets one win). Commits nothing itself."""
    try:
        with db.session.begin_nested():
            db.session.add(SpentToken(workspace_id=workspace_id, kind=kind, key=key[:256],
                                      expires_at=expires_at))
    except IntegrityError:
        return False
    return True
