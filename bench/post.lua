-- wrk: POST the file $BODY with Content-Type $CTYPE; with $RATE (requests/s over all
-- connections) set, each connection paces itself so the total stays near that rate.
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = os.getenv("CTYPE")
