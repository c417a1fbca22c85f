--[[
  Lets go of a routing group's lock, if this drain still holds it (it may have expired and been
  taken), leaving the "drain again" flag as it is: a drain that fails, or hands over after holding
  the lock long enough, leaves the requests it has not covered to the next holder.

  KEYS[1]      the group's routing lock (a string: the holding drain's token)
  ARGV[1]      this drain's token
  Returns      1 released; 0 the lock was not this drain's (or had expired)
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0
