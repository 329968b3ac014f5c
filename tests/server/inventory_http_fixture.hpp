// A test fixture for host-webhook against the Forklift inventory over HTTP: one
// `host-harness serve-inventory` per suite (HTTPS, bearer token), a fresh webhook per test with its
// own policy. After each test the faults are cleared and the token must appear neither in the
// webhook's log nor in its metrics.
//
// Suite: class X : public InventoryHttpFixture<X> { static const char* token(); static const
// char* fixture(); };
#pragma once

#include "server/server_support.hpp"

namespace hostadm::servertest {

template <class Suite>
class InventoryHttpFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    write_file(*dir_ / "inventory.yaml", Suite::fixture());
    inv_ = new MockInventory(*dir_, *dir_ / "inventory.yaml", Suite::token());
    write_file(*dir_ / "token", Suite::token());
    make_certs(*dir_ / "certs");
  }
  static void TearDownTestSuite() {
    delete inv_;
    delete dir_;
  }
  void SetUp() override {
    inv_->faults(json::object());
    inv_->reset_requests();
  }
  void TearDown() override {
    inv_->faults(json::object());
    if (hook_) {
      // The token is read from a file by the webhook; it must never reach its logs.
      EXPECT_EQ(hook_->proc->err().find(Suite::token()), std::string::npos);
      auto m = client_for(hook_->port, hook_->ca)->Get("/metrics");
      if (m) {
        EXPECT_EQ(m->body.find(Suite::token()), std::string::npos);
      }
    }
  }

  // A webhook asking `inv` (default: the suite's inventory) under this policy.
  Webhook& start(const std::string& policy_yaml, std::vector<std::string> extra = {},
                 const MockInventory* inv = nullptr) {
    if (!inv) inv = inv_;
    const auto policy =
        write_policy(*dir_, "policy-" + std::to_string(++n_) + ".yaml", policy_yaml);
    std::vector<std::string> args = {"--inventory-url",
                                     inv->url(),
                                     "--inventory-token-file",
                                     (*dir_ / "token").string(),
                                     "--inventory-ca",
                                     inv->ca.string(),
                                     "--policy",
                                     policy.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    hook_ =
        std::make_unique<Webhook>(*dir_, args, "webhook-" + std::to_string(n_), *dir_ / "certs");
    return *hook_;
  }

  static inline TempDir* dir_ = nullptr;
  static inline MockInventory* inv_ = nullptr;
  static inline int n_ = 0;
  std::unique_ptr<Webhook> hook_;
};

}  // namespace hostadm::servertest
