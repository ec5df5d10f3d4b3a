-- wrk script for bench/search_load.py: cycles through the request lines of a file given
-- after `--` (each line: path, a tab, and an optional "Name: value" header), so every
-- connection asks many different queries, some of them signed in. The `done` callback of
-- wrk_report.lua prints the numbers as one JSON line.
dofile("bench/wrk_report.lua")

local lines = {}
local pos = 0

function init(args)
  for line in io.lines(args[1]) do
    local path, header = line:match("^([^\t]*)\t?(.*)$")
    local headers = {}
    if header ~= nil and header ~= "" then
      local name, value = header:match("^([^:]+):%s*(.*)$")
      headers[name] = value
    end
    lines[#lines + 1] = wrk.format("GET", path, headers)
  end
  pos = math.random(#lines)
end

function request()
  pos = pos % #lines + 1
  return lines[pos]
end
