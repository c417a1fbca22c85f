--[[
  Gives a message's lease back, if this attempt still holds it (it may have run out and been taken).
  With 'refused', also records that the provider did not take the message (it answered with an
  error, or was never called), so the next attempt need not ask it whether it did.

  KEYS[1]      the message's lease (a string: the holding attempt's token)
  KEYS[2]      the message's delivery state hash
  ARGV[1]      this attempt's token
  ARGV[2]      'refused', or '' when the attempt's outcome is unknown (state stays 'sending')
  Returns      1, whether or not the lease was this attempt's
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  if ARGV[2] == 'refused' and redis.call('HGET', KEYS[2], 'state') == 'sending' then
    redis.call('HSET', KEYS[2], 'state', 'refused')
  end
end
return 1
