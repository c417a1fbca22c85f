--[[
  Extends a request's leases, each only if it is still this request's (compare-and-set on the token).

  KEYS[i]      event i's lease (a string with PX: the holding request's token)
  ARGV[1]      this request's token
  ARGV[2]      the lease, in milliseconds
  Returns      how many of the leases were no longer this request's (run out, or taken by another)
]]
local lost = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then
    redis.call('PEXPIRE', KEYS[i], ARGV[2])
  else
    lost = lost + 1
  end
end
return lost
