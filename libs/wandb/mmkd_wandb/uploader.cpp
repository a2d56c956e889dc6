#include <mmkd_wandb/uploader.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>

namespace mmkd::wandb {

namespace {

constexpr int64_t kRowsPerRequest = 1000;

void say(const std::string& message) { std::cerr << "wandb: " << message << std::endl; }

std::chrono::steady_clock::duration seconds(double value) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(value));
}

}  // namespace

Uploader::Uploader(const std::string& run_dir, RunSettings run, nlohmann::json config, std::optional<Server> server,
                   UploadTiming timing, UploadRole role)
    : role_(role),
      store_(run_dir, role == UploadRole::LiveSnapshot ? StoreAccess::Snapshot : StoreAccess::Owner),
      run_(std::move(run)),
      config_(std::move(config)),
      timing_(timing) {
  if (server) api_ = std::make_unique<WandbApi>(server->base_url, server->api_key, aborted_);
  runtime_base_ = store_.last_runtime();
  retry_at_ = last_send_ = last_post_ = started_;
  update_state([&](UploadState& state) {
    if (state.target != run_.target()) state = UploadState{run_.target(), 0, state.exitcode, false};
    if (role_ != UploadRole::Sync) {
      state.exitcode.reset();
      state.exit_sent = false;
    }
  });
  worker_ = std::thread([this] { work(); });
}

Uploader::~Uploader() { finish(std::nullopt, 0); }

void Uploader::log(int64_t step, const std::map<std::string, double>& metrics) {
  const double timestamp = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  Entry entry{step, metrics, timestamp, Clock::now()};
  std::lock_guard<std::mutex> lock(mutex_);
  if (finishing_ || done_) return;
  queue_.push_back(std::move(entry));
  wake_ = true;
  changed_.notify_all();
}

UploadResult Uploader::finish(std::optional<int> exitcode, double timeout_seconds) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!finishing_) {
    finishing_ = true;
    exit_request_ = exitcode;
    wake_ = true;
    changed_.notify_all();
  }
  if (!changed_.wait_for(lock, seconds(timeout_seconds), [&] { return done_; })) {
    aborted_ = true;
    changed_.notify_all();
    changed_.wait(lock, [&] { return done_; });
  }
  lock.unlock();
  if (worker_.joinable()) worker_.join();
  return result_;
}

void Uploader::work() {
  try {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      if (!wake_ && !aborted_) {
        const auto wake_at = next_wake();
        auto woken = [&] { return wake_ || aborted_.load(); };
        if (wake_at) changed_.wait_until(lock, *wake_at, woken);
        else changed_.wait(lock, woken);
      }
      wake_ = false;
      std::vector<Entry> entries;
      entries.swap(queue_);
      const bool finishing = finishing_;
      const std::optional<int> exit_request = exit_request_;
      lock.unlock();
      for (const Entry& entry : entries) add(entry);
      if (finishing && !finishing_seen_) {
        finishing_seen_ = true;
        retry_at_ = Clock::now();  // the end of the run tries at once, whatever the backoff had reached
        failures_ = 0;
        end_rows();
        if (exit_request)
          update_state([&](UploadState& state) {
            state.exitcode = exit_request;
            state.exit_sent = false;
          });
      }
      if (api_ && !refused_ && !aborted_) send_due();
      lock.lock();
      if (finishing && (!api_ || refused_ || aborted_ || uploaded())) break;
    }
  } catch (const std::exception& e) {
    say(std::string(e.what()) + "; W&B logging stopped");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  result_.complete = api_ && uploaded();
  result_.rows = store_.rows();
  result_.unsent_rows = store_.rows() - store_.state().acked_rows;
  result_.offline = !api_;
  result_.refused = refusal_;
  if (run_ready_) result_.run_url = api_->run_url();
  done_ = true;
  changed_.notify_all();
}

void Uploader::add(const Entry& entry) {
  if (!open_row_ || entry.step > (*open_row_)["_step"].get<int64_t>()) {
    end_rows();
    if (const std::optional<int64_t> last = store_.last_step(); last && entry.step <= *last) {
      if (!warned_dropped_)
        say("step " + std::to_string(entry.step) + " is not after step " + std::to_string(*last) +
            " already in this W&B run; W&B keeps steps increasing, so steps up to " + std::to_string(*last) +
            " are not logged again");
      warned_dropped_ = true;
      return;
    }
    open_row_ = nlohmann::json{{"_step", entry.step}};
  } else if (entry.step < (*open_row_)["_step"].get<int64_t>()) {
    return;
  }
  nlohmann::json& row = *open_row_;
  row["_runtime"] = runtime_base_ + std::chrono::duration<double>(entry.at - started_).count();
  row["_timestamp"] = entry.timestamp;
  for (const auto& [key, value] : entry.metrics) row[key] = row_value(value);
}

void Uploader::end_rows() {
  if (open_row_) store_.append(*open_row_);
  open_row_.reset();
}

void Uploader::send_due() {
  const Clock::time_point now = Clock::now();
  if (now < retry_at_) return;
  if (!run_ready_) {
    if (!resume_policy_checked_) {
      if (!check_resume_policy()) return;
      resume_policy_checked_ = true;
    }
    if (!attempt(api_->upsert_run(run_, config_), "creating the run")) return;
    run_ready_ = true;
    if (role_ == UploadRole::Logger) say("logging to " + api_->run_url());
    const int64_t held = api_->server_history_lines();  // fewer when the W&B run was deleted meanwhile
    if (held < store_.state().acked_rows) update_state([&](UploadState& state) { state.acked_rows = held; });
    if (role_ == UploadRole::LiveSnapshot && held > store_.state().acked_rows)  // the live logger sent those itself
      update_state([&](UploadState& state) { state.acked_rows = std::min(held, store_.rows()); });
  }
  const bool due = finishing_seen_ || now >= last_send_ + seconds(timing_.send_every_seconds);
  while (due && store_.state().acked_rows < store_.rows() && !aborted_) {
    const int64_t offset = store_.state().acked_rows;
    const std::vector<std::string> lines = store_.lines(offset, kRowsPerRequest);
    if (!attempt(api_->send_history(offset, lines, store_.summary_line()), "sending history rows")) return;
    update_state([&](UploadState& state) { state.acked_rows = offset + static_cast<int64_t>(lines.size()); });
    last_send_ = Clock::now();
  }
  const UploadState& state = store_.state();
  if (state.exitcode && !state.exit_sent && state.acked_rows == store_.rows() && !aborted_) {
    if (!attempt(api_->send_exit(*state.exitcode), "sending the exit code")) return;
    update_state([](UploadState& s) { s.exit_sent = true; });
  }
  if (Clock::now() >= last_post_ + seconds(timing_.heartbeat_seconds) && !aborted_) attempt(api_->heartbeat(), "heartbeat");
}

bool Uploader::check_resume_policy() {
  if (run_.resume != "must" && run_.resume != "never") return true;
  const RunPresence presence = api_->run_presence(run_);
  if (!attempt(presence.result, "looking up the run")) return false;
  if (presence.exists == (run_.resume == "must")) return true;
  const std::string why = presence.exists ? " exists already" : " does not exist";
  return attempt({Outcome::Refused, "WANDB_RESUME=" + run_.resume + ": the W&B run " + run_.target() + why}, "resuming");
}

bool Uploader::attempt(const ApiResult& result, const char* what) {
  const Clock::time_point now = Clock::now();
  last_post_ = now;
  if (result.outcome == Outcome::Ok) {
    if (failures_ > 0) say("reached " + api_->base_url() + " again");
    failures_ = 0;
    return true;
  }
  if (aborted_) return false;
  if (result.outcome == Outcome::Refused) {
    refused_ = true;
    refusal_ = result.detail;
    say(std::string(what) + " failed: " + api_->base_url() + " refused (" + result.detail + "); rows stay in " +
        store_.folder() + " for `mmkd wandb-sync`");
    return false;
  }
  const double delay = std::min(timing_.retry_seconds * std::pow(2.0, failures_), timing_.max_retry_seconds);
  if (failures_ == 0)
    say(std::string(what) + " failed (" + result.detail + "); retrying with backoff, rows stay in " + store_.folder());
  ++failures_;
  retry_at_ = now + seconds(delay);
  return false;
}

bool Uploader::uploaded() const {
  const UploadState& state = store_.state();
  return run_ready_ && state.acked_rows == store_.rows() && (!state.exitcode || state.exit_sent);
}

std::optional<Uploader::Clock::time_point> Uploader::next_wake() const {
  if (!api_ || refused_) return std::nullopt;
  const UploadState& state = store_.state();
  const bool rows_waiting = state.acked_rows < store_.rows();
  const bool exit_waiting = state.exitcode && !state.exit_sent;
  if (!run_ready_ || exit_waiting || (rows_waiting && finishing_seen_)) return retry_at_;
  if (rows_waiting) return std::max(retry_at_, last_send_ + seconds(timing_.send_every_seconds));
  return std::max(retry_at_, last_post_ + seconds(timing_.heartbeat_seconds));
}

void Uploader::update_state(const std::function<void(UploadState&)>& change) {
  UploadState state = store_.state();
  change(state);
  store_.save(state);
}

}  // namespace mmkd::wandb
