-- wrk script: DELETEs of keys that bench/run.py stored beforehand (user deleter<thread>, names
-- d-0, d-1, ...), each at most once.
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  counter = 0
end
function request()
  counter = counter + 1
  return wrk.format("DELETE", "/v2.1/os-keypairs/d-" .. (counter - 1), {
    ["X-Auth-Token"] = "deleter" .. id .. ":bench",
    ["OpenStack-API-Version"] = "compute 2.10"})
end
