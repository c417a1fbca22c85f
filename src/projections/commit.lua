--[[
  Applies one customer's folded batch, all or nothing, if nobody applied anything since it was read.

  KEYS[1]      the customer's fold hash (fields: pos, state)
  KEYS[2..n]   every key an op below names, by index into KEYS
  ARGV[1]      the position the batch was folded from ('' = customer never seen)
  ARGV[2]      the new position (offset of the last applied event)
  ARGV[3]      the new fold state (JSON)
  ARGV[4]      ops (JSON array), each one of:
                 {"o":"set","k":i,"v":json}            SET
                 {"o":"push","k":i,"v":[json..],"n":N}  RPUSH then LTRIM to the last N
                 {"o":"zadd","k":i,"s":score,"m":m}     ZADD
                 {"o":"zrem","k":i,"m":m}               ZREM
                 {"o":"sadd","k":i,"m":m} / "srem"      SADD / SREM
                 {"o":"hset","k":i,"f":f,"v":v}         HSET
  Returns      1 applied; 0 the stored position is not ARGV[1] (re-read and fold again)
]]
local stored = redis.call('HGET', KEYS[1], 'pos')
if (stored or '') ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'pos', ARGV[2], 'state', ARGV[3])
local ops = cjson.decode(ARGV[4])
for _, op in ipairs(ops) do
  local key = KEYS[op.k]
  if op.o == 'set' then
    redis.call('SET', key, op.v)
  elseif op.o == 'push' then
    redis.call('RPUSH', key, unpack(op.v))
    redis.call('LTRIM', key, -op.n, -1)
  elseif op.o == 'zadd' then
    redis.call('ZADD', key, op.s, op.m)
  elseif op.o == 'zrem' then
    redis.call('ZREM', key, op.m)
  elseif op.o == 'sadd' then
    redis.call('SADD', key, op.m)
  elseif op.o == 'srem' then
    redis.call('SREM', key, op.m)
  elseif op.o == 'hset' then
    redis.call('HSET', key, op.f, op.v)
  end
end
return 1
