-- wrk script of bench/pages_load.py: the method and body come from the environment
-- (BENCH_METHOD, BENCH_BODY with "{n}" replaced by the request's counter, so that every
-- ticket created gets its own title), and BENCH_MAX_REQUESTS > 0 ends the run after that
-- many answers (quick runs). The report line is wrk_report.lua's.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "wrk_report.lua")

local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local max = tonumber(os.getenv("BENCH_MAX_REQUESTS") or "0")
local sent, answered = 0, 0

if body or method ~= "GET" then
  request = function()
    sent = sent + 1
    local text = body and body:gsub("{n}", tostring(sent)) or nil
    return wrk.format(method, nil, nil, text)
  end
end

if max > 0 then
  response = function(status, headers, text)
    answered = answered + 1
    if answered >= max then
      wrk.thread:stop()
    end
  end
end
