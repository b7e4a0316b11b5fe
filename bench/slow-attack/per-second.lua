-- wrk script for the soak: responses and non-200 answers per second of wall
-- time, one line "SECOND RESPONSES NON200" per second into $SOAK_SERIES.
local out = assert(io.open(os.getenv("SOAK_SERIES"), "w"))
local second, responses, bad = os.time(), 0, 0

function response(status, headers, body)
  local now = os.time()
  if now ~= second then
    out:write(second, " ", responses, " ", bad, "\n")
    out:flush()
    second, responses, bad = now, 0, 0
  end
  responses = responses + 1
  if status ~= 200 then bad = bad + 1 end
end
