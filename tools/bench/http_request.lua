-- wrk script for tools/bench/http_bench and http_access_bench: AH_METHOD AH_PATH with AH_TOKEN as
-- the bearer token; a POST carries the 50-item response assay-bench scores.
wrk.method = os.getenv("AH_METHOD") or "GET"
wrk.path = os.getenv("AH_PATH") or "/v1/health"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("AH_TOKEN") or "")
if wrk.method == "POST" then
  wrk.headers["Content-Type"] = "application/json"
  local answers = {}
  local opts = {"A", "B", "C", "D"}
  math.randomseed(7)
  for i = 1, 50 do
    answers[#answers + 1] = string.format('"q%02d":"%s"', i, opts[math.random(1, 4)])
  end
  wrk.body = '{"answers":{' .. table.concat(answers, ",") .. '}}'
end
