-- Creates an account if its e-mail is free in the tenant, in one step.
-- KEYS[1] the tenant's e-mail index (hash), KEYS[2] the account hash, KEYS[3] the tenant's people set
-- ARGV[1] lowercased e-mail, ARGV[2] account id, ARGV[3..] the account's fields and values
-- Returns 1 when created, 0 when the e-mail is taken.
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
local fields = {}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[2], unpack(fields))
redis.call('SADD', KEYS[3], ARGV[2])
return 1
