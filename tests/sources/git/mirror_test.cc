// The mirror cache against a real `git daemon`: every revision form, the change check, shared
// fetches, failures and repair. Expected commits come from the git CLI (rev-parse), expected
// semver picks from Masterminds' documented rules.
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>

#include "sources/git/git.h"
#include "tests/sources/git/servers.h"

namespace converge::sources::git {
namespace {

namespace fs = std::filesystem;
using testing::Upstream;

std::string RandomBytes(size_t size, uint32_t seed) {
  std::mt19937 random(seed);
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(random() & 0xff);
  return out;
}

class MirrorTest : public ::testing::Test {
 protected:
  MirrorTest() : repos_(dir_.path() / "repos") {
    fs::create_directories(repos_);
    upstream_ = std::make_unique<Upstream>(repos_, "app");
    daemon_ = std::make_unique<testing::GitDaemon>(repos_);
  }

  Options MirrorOptions() const { return Options{.cache_dir = dir_.path() / "cache"}; }

  testing::TempDir dir_;
  fs::path repos_;
  std::unique_ptr<Upstream> upstream_;
  std::unique_ptr<testing::GitDaemon> daemon_;
};

TEST_F(MirrorTest, ResolvesEveryRevisionForm) {
  std::string c1 = upstream_->Commit({{"a.yaml", "a: 1\n"}}, "one");
  upstream_->Run({"tag", "v1.0.0"});
  std::string c2 = upstream_->Commit({{"a.yaml", "a: 2\n"}}, "two");
  upstream_->Run({"tag", "-a", "v1.2.0", "-m", "annotated"});
  upstream_->Run({"branch", "feature"});
  std::string c3 = upstream_->Commit({{"a.yaml", "a: 3\n"}}, "three");
  upstream_->Run({"tag", "v1.3.0-rc.1"});
  upstream_->Run({"tag", "2.0.0"});
  upstream_->Run({"push", "-q", "origin", "--tags", "feature"});
  upstream_->Run({"push", "-q", "origin", c1 + ":refs/pull/7/head"});

  Mirror mirror(MirrorOptions());
  std::string url = daemon_->Url("app");
  struct Case {
    std::string revision;
    std::string sha;
    std::string ref;
  };
  std::vector<Case> cases = {
      {"", c3, "main"},
      {"HEAD", c3, "main"},
      {"main", c3, "main"},
      {"feature", c2, "feature"},
      {"v1.0.0", c1, "v1.0.0"},
      {"v1.2.0", upstream_->RevParse("v1.2.0"), "v1.2.0"},
      {"refs/pull/7/head", c1, "refs/pull/7/head"},
      {"refs/heads/feature", c2, "refs/heads/feature"},
      {c1, c1, ""},
      {c2.substr(0, 8), c2, ""},
      // Masterminds: ^1 is >=1.0.0 <2.0.0 without pre-releases.
      {"^1", c2, "v1.2.0"},
      {"~1.2", c2, "v1.2.0"},
      {">=1.0.0 <2.0.0", c2, "v1.2.0"},
      {">=1.0.0, <1.1", c1, "v1.0.0"},
      {"1.0.x", c1, "v1.0.0"},
      {"1.x", c2, "v1.2.0"},
      // A constraint naming a pre-release admits pre-releases.
      {">=1.3.0-0 <2.0.0", c3, "v1.3.0-rc.1"},
      // Tags with and without the "v" prefix compete on version alone.
      {"*", c3, "2.0.0"},
      {"<1.0.0 || >=2", c3, "2.0.0"},
  };
  ASSERT_EQ(c2, upstream_->RevParse("v1.2.0"));
  for (const Case& c : cases) {
    Result<Commit> commit = mirror.Resolve(url, c.revision);
    ASSERT_TRUE(commit.ok()) << c.revision << ": " << commit.status().message();
    EXPECT_EQ(commit->sha, c.sha) << c.revision;
    EXPECT_EQ(commit->ref, c.ref) << c.revision;
    EXPECT_EQ(commit->Display(), c.ref.empty() ? "sha1:" + c.sha : c.ref + "@sha1:" + c.sha);
  }

  // A force-pushed branch moves back; a deleted tag disappears and leaves semver ranges.
  upstream_->Run({"reset", "-q", "--hard", c1});
  upstream_->Run({"push", "-q", "-f", "origin", "HEAD"});
  upstream_->Run({"push", "-q", "origin", ":refs/tags/2.0.0"});
  EXPECT_EQ(mirror.Resolve(url, "main")->sha, c1);
  Result<Commit> deleted = mirror.Resolve(url, "2.0.0");
  ASSERT_FALSE(deleted.ok());
  EXPECT_EQ(deleted.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(mirror.Resolve(url, "*")->ref, "v1.2.0");
  // A new commit on top of the rewound branch.
  std::string c4 = upstream_->Commit({{"b.yaml", "b: 1\n"}}, "four");
  EXPECT_EQ(mirror.Resolve(url, "HEAD")->sha, c4);
}

TEST_F(MirrorTest, MissingRevisionsAndRepositories) {
  upstream_->Commit({{"a.yaml", "a: 1\n"}}, "one");
  upstream_->Run({"tag", "v1.0.0"});
  Mirror mirror(MirrorOptions());
  std::string url = daemon_->Url("app");

  Result<Commit> branch = mirror.Resolve(url, "no-such-branch");
  EXPECT_EQ(branch.status().code(), StatusCode::kNotFound);
  EXPECT_NE(branch.status().message().find("no-such-branch"), std::string::npos);
  Result<Commit> sha = mirror.Resolve(url, std::string(40, 'e'));
  EXPECT_EQ(sha.status().code(), StatusCode::kNotFound) << sha.status().message();
  Result<Commit> semver = mirror.Resolve(url, "^3");
  EXPECT_EQ(semver.status().code(), StatusCode::kNotFound);
  EXPECT_NE(semver.status().message().find("^3"), std::string::npos);

  Result<Commit> repo = mirror.Resolve(daemon_->Url("missing"), "main");
  EXPECT_EQ(repo.status().code(), StatusCode::kNotFound) << repo.status().message();
  Result<Commit> down =
      mirror.Resolve("git://127.0.0.1:" + std::to_string(testing::FreePort()) + "/app.git", "main");
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable) << down.status().message();
  // RFC 2606 reserves .invalid: the name never resolves.
  Result<Commit> unknown = mirror.Resolve("git://no-such-host.invalid/app.git", "main");
  EXPECT_EQ(unknown.status().code(), StatusCode::kUnavailable) << unknown.status().message();
  EXPECT_NE(unknown.status().message().find("no-such-host.invalid"), std::string::npos)
      << unknown.status().message();
}

TEST_F(MirrorTest, DeadlineAbortsAFetchAndKeepsTheMirror) {
  std::string head = upstream_->Commit({{"a.yaml", "a: 1\n"}}, "one");
  Options expired = MirrorOptions();
  expired.timeout = std::chrono::seconds(0);
  {
    Mirror mirror(expired);
    Result<Commit> timed_out = mirror.Resolve(daemon_->Url("app"), "main");
    ASSERT_FALSE(timed_out.ok());
    EXPECT_EQ(timed_out.status().code(), StatusCode::kUnavailable);
    EXPECT_NE(timed_out.status().message().find("timed out after 0s"), std::string::npos)
        << timed_out.status().message();
  }
  Mirror mirror(MirrorOptions());
  Result<Commit> commit = mirror.Resolve(daemon_->Url("app"), "main");
  ASSERT_TRUE(commit.ok()) << commit.status().message();
  EXPECT_EQ(commit->sha, head);
  EXPECT_EQ(mirror.stats().recloned, 0u);
}

TEST_F(MirrorTest, UnchangedRepositoryCostsNoFetch) {
  std::string head = upstream_->Commit({{"a.yaml", "a: 1\n"}}, "one");
  Mirror mirror(MirrorOptions());
  std::string url = daemon_->Url("app");
  ASSERT_TRUE(mirror.Resolve(url, "main").ok());
  Stats before = mirror.stats();
  EXPECT_EQ(before.fetches, 1u);
  for (int i = 0; i < 100; ++i) {
    Result<Commit> commit = mirror.Resolve(url, "main");
    ASSERT_TRUE(commit.ok()) << commit.status().message();
    ASSERT_EQ(commit->sha, head);
  }
  Stats after = mirror.stats();
  EXPECT_EQ(after.fetches, before.fetches);
  EXPECT_EQ(after.ls_remotes, before.ls_remotes + 100);

  // The same repository spelled differently shares the mirror.
  std::string other = url.substr(0, url.size() - 4) + "/";
  ASSERT_TRUE(mirror.Resolve(other, "main").ok());
  EXPECT_EQ(mirror.stats().fetches, before.fetches);
}

TEST_F(MirrorTest, RecentCheckAnswersWithinMaxAge) {
  std::string first = upstream_->Commit({{"a.yaml", "a: 1\n"}}, "one");
  Mirror mirror(MirrorOptions());
  std::string url = daemon_->Url("app");
  ASSERT_TRUE(mirror.Resolve(url, "main").ok());
  uint64_t checks = mirror.stats().ls_remotes;
  std::string second = upstream_->Commit({{"a.yaml", "a: 2\n"}}, "two");

  // Within max_age the last check answers, even though the remote has moved on.
  const auto hour = std::chrono::hours(1);
  for (int i = 0; i < 10; ++i) {
    Result<Commit> cached = mirror.Resolve(url, "main", hour);
    ASSERT_TRUE(cached.ok()) << cached.status().message();
    EXPECT_EQ(cached->sha, first);
  }
  EXPECT_EQ(mirror.stats().ls_remotes, checks);
  // A revision the last check cannot answer goes to the remote.
  EXPECT_FALSE(mirror.Resolve(url, "no-such-branch", hour).ok());
  EXPECT_EQ(mirror.stats().ls_remotes, checks + 1);
  // Without max_age (a refresh) the remote is asked, and later cached answers see its result.
  Result<Commit> fresh = mirror.Resolve(url, "main");
  ASSERT_TRUE(fresh.ok()) << fresh.status().message();
  EXPECT_EQ(fresh->sha, second);
  Result<Commit> cached = mirror.Resolve(url, "main", hour);
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(cached->sha, second);
  // An expired answer is checked again.
  upstream_->Commit({{"a.yaml", "a: 3\n"}}, "three");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  Result<Commit> expired = mirror.Resolve(url, "main", std::chrono::milliseconds(10));
  ASSERT_TRUE(expired.ok());
  EXPECT_NE(expired->sha, second);
}

TEST_F(MirrorTest, ConcurrentRequestsShareOneFetch) {
  upstream_->Commit({{"a.yaml", "a: 1\n"}}, "one");
  Mirror mirror(MirrorOptions());
  std::string url = daemon_->Url("app");
  ASSERT_TRUE(mirror.Resolve(url, "main").ok());
  std::string head = upstream_->Commit({{"big.bin", RandomBytes(4 << 20, 1)}}, "two");
  uint64_t fetches = mirror.stats().fetches;

  std::vector<std::thread> threads;
  std::vector<Result<Commit>> results(8, Status::Internal("not run"));
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = mirror.Resolve(url, "main"); });
  }
  for (std::thread& thread : threads) thread.join();
  for (const Result<Commit>& result : results) {
    ASSERT_TRUE(result.ok()) << result.status().message();
    EXPECT_EQ(result->sha, head);
  }
  Stats stats = mirror.stats();
  EXPECT_EQ(stats.fetches, fetches + 1);
  EXPECT_EQ(stats.ls_remotes + stats.shared, 1u + results.size());
}

TEST_F(MirrorTest, NetworkDropMidFetchLeavesAUsableMirror) {
  upstream_->Commit({{"a.yaml", "a: 1\n"}}, "one");
  testing::Relay relay(
      {.target_port = daemon_->port(), .cut_after = 64 << 10, .cut_connection = 1});
  std::string url = "git://127.0.0.1:" + std::to_string(relay.port()) + "/app.git";
  Mirror mirror(MirrorOptions());
  ASSERT_TRUE(mirror.Resolve(url, "main").ok());  // small: completes below the cut
  std::string head = upstream_->Commit({{"big.bin", RandomBytes(2 << 20, 2)}}, "two");

  Result<Commit> dropped = mirror.Resolve(url, "main");
  ASSERT_FALSE(dropped.ok());
  EXPECT_EQ(dropped.status().code(), StatusCode::kUnavailable) << dropped.status().message();
  EXPECT_TRUE(relay.WaitUntilCut());

  Result<Commit> retried = mirror.Resolve(url, "main");
  ASSERT_TRUE(retried.ok()) << retried.status().message();
  EXPECT_EQ(retried->sha, head);
  EXPECT_EQ(mirror.stats().recloned, 0u);
}

TEST_F(MirrorTest, DamagedMirrorIsClonedAgain) {
  std::string head = upstream_->Commit({{"a.yaml", "a: 1\n"}}, "one");
  std::string url = daemon_->Url("app");
  {
    Mirror mirror(MirrorOptions());
    ASSERT_TRUE(mirror.Resolve(url, "main").ok());
  }
  int removed = 0;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir_.path() / "cache")) {
    if (entry.path().extension() == ".pack") removed += fs::remove(entry.path()) ? 1 : 0;
  }
  ASSERT_GT(removed, 0) << "the fetch left a pack whose loss damages the mirror";
  Mirror mirror(MirrorOptions());
  Result<Commit> commit = mirror.Resolve(url, "main");
  ASSERT_TRUE(commit.ok()) << commit.status().message();
  EXPECT_EQ(commit->sha, head);
  EXPECT_EQ(mirror.stats().recloned, 1u);
  EXPECT_TRUE(mirror.Tree(*commit, "").ok());
}

TEST_F(MirrorTest, ReadsRepositoriesOnThisMachineThroughFileUrls) {
  std::string head = upstream_->Commit({{"a.yaml", "a: 1\n"}}, "one");
  std::string url = "file://" + upstream_->bare().string();
  Mirror mirror(MirrorOptions());
  Result<Commit> commit = mirror.Resolve(url, "main");
  ASSERT_TRUE(commit.ok()) << commit.status().message();
  EXPECT_EQ(commit->sha, head);
  EXPECT_EQ(*(*mirror.Tree(*commit, ""))->Read("a.yaml"), "a: 1\n");
  std::string next = upstream_->Commit({{"a.yaml", "a: 2\n"}}, "two");
  EXPECT_EQ(mirror.Resolve(url, "main")->sha, next);
}

TEST_F(MirrorTest, ExpiresUnusedMirrors) {
  upstream_->Commit({{"a.yaml", "a: 1\n"}}, "one");
  Mirror mirror(MirrorOptions());
  std::string url = daemon_->Url("app");
  ASSERT_TRUE(mirror.Resolve(url, "main").ok());
  auto now = std::chrono::system_clock::now();
  EXPECT_EQ(*mirror.ExpireUnused(now, std::chrono::hours(1)), 0);
  EXPECT_EQ(*mirror.ExpireUnused(now + std::chrono::hours(2), std::chrono::hours(1)), 1);
  EXPECT_TRUE(fs::is_empty(dir_.path() / "cache"));
  uint64_t fetches = mirror.stats().fetches;
  ASSERT_TRUE(mirror.Resolve(url, "main").ok());
  EXPECT_EQ(mirror.stats().fetches, fetches + 1);
}

}  // namespace
}  // namespace converge::sources::git

namespace converge::sources::git {
namespace {

// A `converge render --repo` killed with SIGKILL in the middle of a fetch (the server stalls
// after 256 KiB of pack data) leaves a mirror the next run detects and clones again.
TEST_F(MirrorTest, KillDuringFetchIsRepairedByTheNextRun) {
  std::string head = upstream_->Commit({{"big.bin", RandomBytes(4 << 20, 3)}}, "big");
  testing::Relay relay({.target_port = daemon_->port(), .cut_after = 256 << 10, .stall = true});
  std::string url = "git://127.0.0.1:" + std::to_string(relay.port()) + "/app.git";
  fs::path cache = dir_.path() / "cache";
  std::unique_ptr<testing::Process> render = testing::Process::Start(
      {testing::ConvergeBinary().string(), "render", "--repo", url, "--cache-dir", cache.string()});
  ASSERT_TRUE(relay.WaitUntilCut());
  bool interrupted = false;
  for (const fs::directory_entry& entry : fs::directory_iterator(cache)) {
    interrupted |= fs::exists(entry.path() / "converge-fetching");
  }
  EXPECT_TRUE(interrupted) << "the fetch in progress is marked in the mirror";
  render->Signal(SIGKILL);
  render->Wait();

  Mirror mirror(MirrorOptions());
  Result<Commit> commit = mirror.Resolve(url, "main");
  ASSERT_TRUE(commit.ok()) << commit.status().message();
  EXPECT_EQ(commit->sha, head);
  EXPECT_EQ(mirror.stats().recloned, 1u);
  Result<std::unique_ptr<TreeView>> tree = mirror.Tree(*commit, "");
  ASSERT_TRUE(tree.ok());
  EXPECT_EQ((*tree)->Read("big.bin")->size(), 4u << 20);
}

}  // namespace
}  // namespace converge::sources::git
