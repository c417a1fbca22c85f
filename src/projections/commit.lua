--[[
  Applies one customer's folded batch, all or nothing, if nobody applied anything since it was read.

  KEYS[1]      the customer's fold hash (fields: pos, state)
  KEYS[2..n]   every key an op below names, by index into KEYS
  ARGV[1]      the position the batch was folded from ('' = customer never seen)
  ARGV[2]      the new position (offset of the last applied event)
  ARGV[3]      the new fold state (JSON)
  ARGV[4]      the customer's applied-ids sorted set, by index into KEYS ('' = no ids to record)
  ARGV[5]      the dedupe horizon in ms (src/domain/fold/applied-ids.ts)
  ARGV[6]      n, the number of applied events in the batch
  ARGV[7..]    n pairs: event id, event time (epoch ms), in log order
  then         ops, four entries each: code, key index, x, y
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
  Returns      1 applied; 0 the stored position is not ARGV[1] (re-read and fold again);
               or the positions (0-based, in the ARGV[7..] pairs) of the events the batch applied
               whose id was applied before within the horizon (nothing written: fold again with
               those occurrences dropped as duplicates)
]]
local stored = redis.call('HGET', KEYS[1], 'pos')
if (stored or '') ~= ARGV[1] then
  return 0
end
local n = tonumber(ARGV[6])
local first_op = 7 + 2 * n
if n > 0 then
  -- Duplicates at any distance: an id applied before counts while its time is within the horizon
  -- of the newest applied event before it (the same rule as the replay's AppliedIds).
  local ids = KEYS[tonumber(ARGV[4])]
  local horizon = tonumber(ARGV[5])
  local top = redis.call('ZRANGE', ids, -1, -1, 'WITHSCORES')
  local newest = top[2] and tonumber(top[2]) or -math.huge
  local in_batch = {}
  local seen = {}
  for i = 7, first_op - 1, 2 do
    local id, time = ARGV[i], tonumber(ARGV[i + 1])
    local before = in_batch[id] or tonumber(redis.call('ZSCORE', ids, id) or '')
    if before and before >= newest - horizon then
      seen[#seen + 1] = (i - 7) / 2
    else
      in_batch[id] = time
      if time > newest then newest = time end
    end
  end
  if #seen > 0 then
    return seen
  end
  for i = 7, first_op - 1, 2 do
    redis.call('ZADD', ids, ARGV[i + 1], ARGV[i])
  end
  redis.call('ZREMRANGEBYSCORE', ids, '-inf', '(' .. string.format('%.0f', newest - horizon))
end
redis.call('HSET', KEYS[1], 'pos', ARGV[2], 'state', ARGV[3])
for i = first_op, #ARGV, 4 do
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
