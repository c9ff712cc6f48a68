// CommitHookLog (tests): a MemoryLog whose transactions ask `on_commit`
// before committing; an error from it aborts the transaction and is what
// Commit returns (a broker away, a lost group generation, ...).
#pragma once

#include <functional>
#include <memory>

#include "src/log/memory_log.h"

namespace logstream {

class CommitHookLog : public MemoryLog {
 public:
  std::function<Status()> on_commit = [] { return Status::Ok(); };

  Result<std::unique_ptr<Transaction>> Begin(std::string_view id, const TransactionOptions& options) override {
    ASSIGN_OR_RETURN(auto txn, MemoryLog::Begin(id, options));
    return std::unique_ptr<Transaction>(new Txn(std::move(txn), this));
  }

 private:
  class Txn : public Transaction {
   public:
    Txn(std::unique_ptr<Transaction> inner, CommitHookLog* log) : inner_(std::move(inner)), log_(log) {}
    Status Append(std::string_view t, std::string_view k, std::string_view v) override {
      return inner_->Append(t, k, v);
    }
    Status AppendTo(std::string_view t, int p, std::string_view k, std::string_view v) override {
      return inner_->AppendTo(t, p, k, v);
    }
    Status Put(std::string_view t, std::string_view k, std::string_view v) override { return inner_->Put(t, k, v); }
    Status CommitOffset(std::string_view g, std::string_view t, int p, int64_t o) override {
      return inner_->CommitOffset(g, t, p, o);
    }
    Status Commit() override {
      if (Status s = log_->on_commit(); !s.ok()) {
        inner_->Abort();
        return s;
      }
      return inner_->Commit();
    }
    void Abort() override { inner_->Abort(); }

   private:
    std::unique_ptr<Transaction> inner_;
    CommitHookLog* log_;
  };
};

}  // namespace logstream
