-- wrk script: 90% GET of one keypair, 10% POST imports of distinct names.
local key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMGL2dWM4jPiGbM/vvOSs+oulmMuLqi8z88QC5UlHXni"
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  prefix = args[1] or "mix"
  counter = 0
end
function request()
  counter = counter + 1
  if counter % 10 == 0 then
    local body = '{"keypair": {"name": "' .. prefix .. '-' .. id .. '-' .. counter ..
                 '", "public_key": "' .. key .. '"}}'
    return wrk.format("POST", "/v2.1/os-keypairs", {
      ["X-Auth-Token"] = "mixer" .. id .. ":bench",
      ["OpenStack-API-Version"] = "compute 2.10",
      ["Content-Type"] = "application/json"}, body)
  end
  return wrk.format("GET", "/v2.1/os-keypairs/k1", {
    ["X-Auth-Token"] = "bench:bench", ["OpenStack-API-Version"] = "compute 2.10"})
end
