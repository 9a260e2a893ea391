-- wrk script: POST generation of RSA keypairs with distinct names.
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  prefix = args[1] or "gen"
  counter = 0
end
function request()
  counter = counter + 1
  local body = '{"keypair": {"name": "' .. prefix .. '-' .. id .. '-' .. counter .. '"}}'
  return wrk.format("POST", "/v2.1/os-keypairs", {
    ["X-Auth-Token"] = "generator" .. id .. ":bench",
    ["OpenStack-API-Version"] = "compute 2.10",
    ["Content-Type"] = "application/json"}, body)
end
