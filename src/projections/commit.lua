--[[
  Applies one customer's folded batch, all or nothing, if nobody applied anything since it was read.

  KEYS[1]      the customer's fold hash (fields: pos, state)
  KEYS[2..n]   every key an op below names, by index into KEYS
  ARGV[1]      the position the batch was folded from ('' = customer never seen)
  ARGV[2]      the new position (offset of the last applied event)
  ARGV[3]      the new fold state (JSON)
  ARGV[4..]    ops, four entries each: code, key index, x, y
                 s k value -       SET
                 r k value -       RPUSH
                 t k n -           LTRIM to the last n
                 z k score member  ZADD
                 Z k member -      ZREM
                 a k member -      SADD
                 A k member -      SREM
                 h k field value   HSET
                 H k field -       HDEL
                 m k field value   HSET if the field is missing or holds a smaller value (text order):
                                   "the latest" across customers, whatever order partitions fold in
               (flat rather than JSON, so values are not escaped twice nor decoded here)
  Returns      1 applied; 0 the stored position is not ARGV[1] (re-read and fold again)
]]
local stored = redis.call('HGET', KEYS[1], 'pos')
if (stored or '') ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'pos', ARGV[2], 'state', ARGV[3])
for i = 4, #ARGV, 4 do
  local code, key, x, y = ARGV[i], KEYS[tonumber(ARGV[i + 1])], ARGV[i + 2], ARGV[i + 3]
  if code == 's' then
    redis.call('SET', key, x)
  elseif code == 'r' then
    redis.call('RPUSH', key, x)
  elseif code == 't' then
    redis.call('LTRIM', key, -tonumber(x), -1)
  elseif code == 'z' then
    redis.call('ZADD', key, x, y)
  elseif code == 'Z' then
    redis.call('ZREM', key, x)
  elseif code == 'a' then
    redis.call('SADD', key, x)
  elseif code == 'A' then
    redis.call('SREM', key, x)
  elseif code == 'h' then
    redis.call('HSET', key, x, y)
  elseif code == 'H' then
    redis.call('HDEL', key, x)
  elseif code == 'm' then
    local current = redis.call('HGET', key, x)
    if (not current) or current < y then
      redis.call('HSET', key, x, y)
    end
  end
end
return 1
