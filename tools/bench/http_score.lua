-- wrk script: POST a 50-item score request to assay-http (tools/bench/http_bench).
-- The answers are the same 50-item, 4-option response assay-bench scores.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
-- the app token http_bench wrote (assay-http needs a bearer token on every route but health)
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("AH_APP_TOKEN") or "")
local answers = {}
local opts = {"A", "B", "C", "D"}
math.randomseed(7)
for i = 1, 50 do
  answers[#answers + 1] = string.format('"q%02d":"%s"', i, opts[math.random(1, 4)])
end
wrk.body = '{"answers":{' .. table.concat(answers, ",") .. '}}'
wrk.path = "/v1/assessments/bench50/score"
