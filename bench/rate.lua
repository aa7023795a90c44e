-- wrk: pace each connection so all $CONNS connections together send about $RATE requests/s.
local per_conn_ms = 1000 * tonumber(os.getenv("CONNS")) / tonumber(os.getenv("RATE"))
function delay()
  return per_conn_ms
end
