--[[
  Gives a message's lease back, if this attempt still holds it (it may have run out and been taken).

  KEYS[1]      the message's lease (a string: the holding attempt's token)
  ARGV[1]      this attempt's token
  Returns      1, whether or not the lease was this attempt's
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
