--[[
  Publishes one reply on a visitor's channel, or keeps it in the visitor's pending list when no
  socket listens, once per message: a second run for the same message (an attempt after a worker
  died between this script and the delivery state's `sent`) publishes nothing. Mark and publish in
  one script, so no crash falls between them.

  KEYS[1]      the message's published mark (a string, same slot as the list: the tenant's hash tag)
  KEYS[2]      the visitor's pending list
  ARGV[1]      the visitor's pub/sub channel
  ARGV[2]      the reply (JSON, as the socket passes it on)
  ARGV[3]      how many replies the pending list keeps
  ARGV[4]      how long the pending list is kept, in seconds
  ARGV[5]      how long the mark is kept, in seconds
  Returns      -1 when the message was published before; else the number of sockets' instances that heard it
]]
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[5]) == false then return -1 end
local receivers = redis.call('PUBLISH', ARGV[1], ARGV[2])
if receivers == 0 then
  redis.call('RPUSH', KEYS[2], ARGV[2])
  redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1)
  redis.call('EXPIRE', KEYS[2], ARGV[4])
end
return receivers
