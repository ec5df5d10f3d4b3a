"""Function words of the portal's other languages, dropped before stemming as English and
German ones are (portal.search.analysis). Short lists of the most frequent words: enough
that "comment puis-je" or "¿cómo puedo" does not match every article."""

STOP_FR = frozenset("""
a à au aux avec ce ces cet cette comme comment dans de des du elle elles en est et être
il ils je la le les leur leurs lui ma mais me mes moi mon ne nos notre nous on ou où par
pas pour puis qu que quel quelle quels qui sa se ses si son sont sur ta te tes toi ton tu
un une vos votre vous y c d j l m n s t est-ce faire peut peux puis-je dois
""".split())

STOP_ES = frozenset("""
a al algo como cómo con cual cuál cuando de del desde donde dónde el él ella ellas ellos
en entre era es esa ese eso esta está este esto estos hay la las le les lo los me mi mis
muy más no nos o os para pero por porque puede puedo que qué se si sí sin sobre su sus te
tu tú un una unas uno unos y ya yo hacer
""".split())

STOP_AR = frozenset("""
في من على إلى الى عن مع هذا هذه ذلك تلك التي الذي الذين كيف ماذا لماذا متى أين هل ما لا
لم لن أن إن أو ثم كان كانت يكون هو هي هم نحن أنا أنت انت كل بعض قد عند بين حتى إذا اذا
و ف ب ل
""".split())

STOP_JA = frozenset("""
の に は を た が で て と し れ さ ある いる も する から な こと として い や れる など
なっ ない この ため その あっ よう また もの という あり まで られ なる へ か だ これ によって
により おり より による ず なり られる において ば なかっ なく しかし について せ だっ
できる それ う ので なお のみ でき き つ における および いう さらに でも ら たり その他
に関する たち ます ん なら
""".split())
