--[[
  Resolves the identities one message carries (a WhatsApp number and user id) to one
  customer, atomically: the first identity's customer if it has one, else the first of the others
  that has one, else the fresh id; then every identity without a customer gets that one (SET NX).
  An identity that already belongs to another customer keeps it: joining two customers is a merge.

  KEYS[2i-1]   identity i's customer key (a string: the customer id); identity 1 is the sender's
  KEYS[2i]     identity i's announced key (exists once its customer.identified is on the log)
  ARGV[1]      a fresh customer id, used when no identity has a customer yet
  Returns      { customer, customer of identity 1, announced 1 (0/1), customer of identity 2, ... }
]]
local n = #KEYS / 2
local customer = nil
for i = 1, n do
  customer = redis.call('GET', KEYS[2 * i - 1])
  if customer then break end
end
if not customer then customer = ARGV[1] end
local result = { customer }
for i = 1, n do
  redis.call('SET', KEYS[2 * i - 1], customer, 'NX')
  result[#result + 1] = redis.call('GET', KEYS[2 * i - 1])
  result[#result + 1] = redis.call('EXISTS', KEYS[2 * i])
end
return result
