--[[
  A routing request for one group of a tenant's teams: take the group's drain lock, or, when another
  drain holds it, ask that drain to drain once more before it lets go (the request is coalesced into
  the running drain and completes at once: nobody waits for the lock).

  KEYS[1]      the group's routing lock (a string: the holding drain's token, with a lease)
  KEYS[2]      the group's "drain again" flag
  ARGV[1]      this drain's token
  ARGV[2]      the lock's lease, ms
  ARGV[3]      '1': only if a request is waiting (the flag is set) and nobody holds the lock (a holder
               that died left it); '0': always
  Returns      1 the lock is this drain's, the flag cleared (its first round covers every request so far);
               0 another drain holds the lock, the flag set (that drain drains again);
               -1 nothing asked for (ARGV[3] = '1' and the flag unset): nothing changed
]]
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then
  redis.call('DEL', KEYS[2])
  return 1
end
redis.call('SET', KEYS[2], '1')
return 0
