--[[
  A drain finished a round: it lets go of the group's lock, unless a request came meanwhile (the
  flag is set), in which case it keeps the lock (its lease renewed) and drains once more. Atomic with
  drain-acquire.lua: a request either finds the lock held and sets the flag before this runs (and is
  drained by the next round), or runs after and takes the lock itself. No request is lost.

  KEYS[1]      the group's routing lock (a string: the holding drain's token, with a lease)
  KEYS[2]      the group's "drain again" flag
  ARGV[1]      this drain's token
  ARGV[2]      the lock's lease, ms
  Returns      1 released, nothing asked for meanwhile;
               2 asked for meanwhile: the flag cleared, the lease renewed, drain once more;
               0 the lock is not this drain's any more (its lease ran out): nothing changed
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('DEL', KEYS[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 2
end
redis.call('DEL', KEYS[1])
return 1
