// The default of --active-threads follows the CPU the pod may use: its CPU limit and its
// affinity mask, not the node's cores.
#include "webhook/http/cpu_budget.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "webhook/http/https_transport.hpp"

namespace hostadm::http {
namespace {

namespace fs = std::filesystem;

TEST(CpuBudgetTest, ReadsCgroupV2CpuMax) {
  struct Row {
    const char* text;
    std::optional<double> limit;
  };
  const Row rows[] = {
      {"max 100000\n", std::nullopt},     // no limit
      {"150000 100000\n", 1.5},           // resources.limits.cpu: 1500m
      {"50000 100000", 0.5},              // 500m
      {"200000 100000", 2.0},             //
      {"", std::nullopt},                 // not that file's format: no limit
      {"100000", std::nullopt},           // no period
      {"-1 100000", std::nullopt},        //
      {"abc 100000", std::nullopt},       //
      {"100000 0", std::nullopt},         // a zero period would divide by zero
      {"100000 100000 x", std::nullopt},  //
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.text);
    EXPECT_EQ(cpu_max_limit(r.text), r.limit);
  }
}

TEST(CpuBudgetTest, ReadsCgroupV1Quota) {
  EXPECT_EQ(cfs_quota_limit("-1\n", "100000\n"), std::nullopt);
  EXPECT_EQ(cfs_quota_limit("250000\n", "100000\n"), 2.5);
  EXPECT_EQ(cfs_quota_limit("250000", ""), std::nullopt);
}

TEST(CpuBudgetTest, RoundsTheLimitUpWithinTheCpus) {
  EXPECT_EQ(cores_within(64, std::nullopt), 64);
  EXPECT_EQ(cores_within(64, 0.5), 1);
  EXPECT_EQ(cores_within(64, 1.0), 1);
  EXPECT_EQ(cores_within(64, 1.5), 2);
  EXPECT_EQ(cores_within(64, 2.0), 2);
  EXPECT_EQ(cores_within(4, 16.0), 4);  // a limit above the cores the mask allows
  EXPECT_EQ(cores_within(0, std::nullopt), 1);
}

TEST(CpuBudgetTest, ActiveThreadsAreTwoPerUsableCoreUnlessSet) {
  EXPECT_EQ(resolve_active_threads(0, 64, 2), 4);
  EXPECT_EQ(resolve_active_threads(0, 64, 64), 64);  // never more than --threads
  EXPECT_EQ(resolve_active_threads(0, 3, 2), 3);
  EXPECT_EQ(resolve_active_threads(6, 64, 2), 6);  // the flag wins
  EXPECT_EQ(resolve_active_threads(0, 64, 0), 2);
}

// What "loaded" is measured against: a fractional limit is not rounded up as cores are.
TEST(CpuBudgetTest, CapacityIsTheLimitUnroundedWithinTheMasksCores) {
  EXPECT_DOUBLE_EQ((CpuBudget{2, 4, 1.5}.capacity()), 1.5);
  EXPECT_DOUBLE_EQ((CpuBudget{2, 2, 8.0}.capacity()), 2.0);  // a limit above the mask's cores
  EXPECT_DOUBLE_EQ((CpuBudget{4, 4, std::nullopt}.capacity()), 4.0);
}

class CgroupTree : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("cpu-budget-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& relative, const std::string& text) {
    const fs::path p = root_ / relative;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  CpuBudget budget() {
    return cpu_budget((root_ / "self-cgroup").string(), (root_ / "fs").string());
  }
  static int affinity() {
    cpu_set_t set;
    CPU_ZERO(&set);
    EXPECT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
    return CPU_COUNT(&set);
  }
  fs::path root_;
};

TEST_F(CgroupTree, V2InItsOwnNamespaceUsesTheRootsLimit) {
  write("self-cgroup", "0::/\n");
  write("fs/cpu.max", "50000 100000\n");
  const CpuBudget b = budget();
  EXPECT_EQ(b.cpus, affinity());
  ASSERT_TRUE(b.limit.has_value());
  EXPECT_DOUBLE_EQ(*b.limit, 0.5);
  EXPECT_EQ(b.cores, 1);
}

TEST_F(CgroupTree, V2TakesTheLowestLimitOnThePathToTheRoot) {
  write("self-cgroup", "0::/kubepods/burstable/pod1/c1\n");
  write("fs/cpu.max", "max 100000\n");
  write("fs/kubepods/burstable/pod1/cpu.max", "100000 100000\n");  // the pod's limit: 1 CPU
  write("fs/kubepods/burstable/pod1/c1/cpu.max", "max 100000\n");  // the container has none
  const CpuBudget b = budget();
  ASSERT_TRUE(b.limit.has_value());
  EXPECT_DOUBLE_EQ(*b.limit, 1.0);
  EXPECT_EQ(b.cores, 1);
}

TEST_F(CgroupTree, V1ReadsTheCpuControllersQuota) {
  write("self-cgroup", "12:memory:/x\n4:cpu,cpuacct:/kubepods/pod1/c1\n");
  write("fs/cpu,cpuacct/cpu.cfs_quota_us", "150000\n");  // the container's cgroup, mounted
  write("fs/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
  const CpuBudget b = budget();
  ASSERT_TRUE(b.limit.has_value());
  EXPECT_DOUBLE_EQ(*b.limit, 1.5);
  EXPECT_EQ(b.cores, std::min(2, affinity()));
}

TEST_F(CgroupTree, NoCgroupFilesMeanNoLimit) {
  // Outside any container, or a /proc without cgroups: the affinity mask alone.
  const CpuBudget b = budget();
  EXPECT_FALSE(b.limit.has_value());
  EXPECT_EQ(b.cores, affinity());
  write("self-cgroup", "0::/user.slice\n");
  write("fs/user.slice/cpu.max", "garbage");
  EXPECT_FALSE(budget().limit.has_value());
}

TEST(CpuBudgetTest, ThisProcessHasAtLeastOneCore) {
  const CpuBudget b = cpu_budget();
  EXPECT_GE(b.cores, 1);
  EXPECT_LE(b.cores, b.cpus);
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
  EXPECT_EQ(b.cpus, CPU_COUNT(&set));  // the affinity mask, not the node's core count
}

}  // namespace
}  // namespace hostadm::http
