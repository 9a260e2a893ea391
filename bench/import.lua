-- wrk script: POST imports of distinct names. Each wrk thread writes its own user's keys,
-- named <prefix>-<thread>-<n>; the prefix comes from the command line (wrk ... -- <prefix>).
local key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  prefix = args[1] or "imp"
  counter = 0
end
function request()
  counter = counter + 1
  local body = '{"keypair": {"name": "' .. prefix .. '-' .. id .. '-' .. counter ..
               '", "public_key": "' .. key .. '"}}'
  return wrk.format("POST", "/v2.1/os-keypairs", {
    ["X-Auth-Token"] = "writer" .. id .. ":bench",
    ["OpenStack-API-Version"] = "compute 2.10",
    ["Content-Type"] = "application/json"}, body)
end
