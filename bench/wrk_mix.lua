-- wrk script: a page mix. The first script argument names a file with one request per line
-- (path, then optionally a header name and its value, tab-separated); each connection takes
-- them in turn. The `done` report is bench/wrk_report.lua's (wrk runs with the repository
-- root as its working directory).
local requests = {}
local counter = 0

init = function(args)
  for line in io.lines(args[1]) do
    local path, name, value = line:match("^([^\t]+)\t?([^\t]*)\t?(.*)$")
    local headers = {}
    if name ~= "" then headers[name] = value end
    table.insert(requests, wrk.format("GET", path, headers))
  end
end

request = function()
  counter = counter + 1
  return requests[(counter % #requests) + 1]
end

dofile("bench/wrk_report.lua")
