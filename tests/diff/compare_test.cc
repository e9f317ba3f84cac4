#include <gtest/gtest.h>

#include "diff/diff.h"
#include "tests/diff/diff_test_util.h"

namespace converge::diff {
namespace {

using nlohmann::json;
using testing::Corpus;
using testing::Dump;
using testing::ParseObject;
using testing::ReadObject;
using testing::TestData;

Differ MakeDiffer(Options options = {}) {
  Result<Differ> differ = Differ::Create(std::move(options));
  EXPECT_TRUE(differ.ok()) << differ.status().ToString();
  return std::move(*differ);
}

kube::Object Desired(std::string_view corpus_file) {
  kube::Object object = ReadObject(Corpus(corpus_file));
  object.SetNamespace("default");
  return object;
}

constexpr const char* kGuestbook = "argocd-example-apps/guestbook/guestbook-ui-deployment.yaml";
constexpr const char* kPodinfo = "podinfo/kustomize/deployment.yaml";

// Live objects in testdata/ were applied with `kubectl apply --server-side
// --field-manager=converge` to the embedded API server and read back with
// `kubectl get -o yaml --show-managed-fields`.
TEST(CompareTest, ServerDefaultsAndStatusAreNotDrift) {
  Differ differ = MakeDiffer();
  for (auto [desired, live] :
       {std::pair{kGuestbook, "guestbook-ui-live.yaml"}, std::pair{kPodinfo, "podinfo-live.yaml"},
        std::pair{"podinfo/kustomize/service.yaml", "service-live.yaml"}}) {
    kube::Object want = Desired(desired);
    kube::Object have = ReadObject(TestData(live));
    ResourceDiff result = differ.Compare(&want, &have);
    EXPECT_EQ(result.status, SyncStatus::kSynced) << desired << "\n" << Dump(result);
    EXPECT_TRUE(result.differences.empty());
    EXPECT_TRUE(result.desired_view.is_null());
  }
}

TEST(CompareTest, ChangedValueIsReportedAtItsPointer) {
  Differ differ = MakeDiffer();
  kube::Object want = Desired(kGuestbook);
  want.mutable_json()["spec"]["template"]["spec"]["containers"][0]["image"] =
      "gcr.io/google-samples/gb-frontend:v6";
  kube::Object have = ReadObject(TestData("guestbook-ui-live.yaml"));
  ResourceDiff result = differ.Compare(&want, &have);
  ASSERT_EQ(result.status, SyncStatus::kOutOfSync);
  ASSERT_EQ(result.differences.size(), 1u) << Dump(result);
  EXPECT_EQ(result.differences[0],
            (Difference{.path = "/spec/template/spec/containers/0/image",
                        .desired = json("gcr.io/google-samples/gb-frontend:v6"),
                        .live = json("gcr.io/google-samples/gb-frontend:v5")}));
  EXPECT_EQ(result.key, (kube::ResourceKey{"apps", "Deployment", "default", "guestbook-ui"}));
}

TEST(CompareTest, OwnedFieldDroppedFromDesiredIsReported) {
  Differ differ = MakeDiffer();
  kube::Object want = Desired(kGuestbook);
  want.mutable_json()["spec"].erase("revisionHistoryLimit");
  kube::Object have = ReadObject(TestData("guestbook-ui-live.yaml"));
  ResourceDiff result = differ.Compare(&want, &have);
  ASSERT_EQ(result.differences.size(), 1u) << Dump(result);
  EXPECT_EQ(result.differences[0],
            (Difference{.path = "/spec/revisionHistoryLimit", .live = json(3)}));
}

TEST(CompareTest, FieldsOfOtherManagersAndDefaultsAreNotCompared) {
  Differ differ = MakeDiffer();
  kube::Object want = Desired(kGuestbook);
  want.mutable_json()["spec"].erase("replicas");
  kube::Object have = ReadObject(TestData("guestbook-ui-live.yaml"));
  // converge no longer owns replicas: another manager (an HPA) took it over.
  json& fields = have.mutable_json()["metadata"]["managedFields"][0]["fieldsV1"]["f:spec"];
  fields.erase("f:replicas");
  have.mutable_json()["spec"]["replicas"] = 5;
  EXPECT_EQ(differ.Compare(&want, &have).status, SyncStatus::kSynced);
  // A field nobody applied (a default) never counts, whatever its value.
  have.mutable_json()["spec"]["progressDeadlineSeconds"] = 30;
  EXPECT_EQ(differ.Compare(&want, &have).status, SyncStatus::kSynced);
}

TEST(CompareTest, Normalizations) {
  Differ differ = MakeDiffer();
  kube::Object want = Desired(kPodinfo);
  json& container = want.mutable_json()["spec"]["template"]["spec"]["containers"][0];
  container["resources"]["limits"]["cpu"] = 2;                             // int vs "2"
  container["resources"]["requests"]["cpu"] = 0.1;                         // float vs "100m"
  container["resources"]["limits"]["memory"] = "0.5Gi";                    // vs "512Mi"
  for (json& port : container["ports"]) port.erase("protocol");            // server default TCP
  want.mutable_json()["spec"]["template"]["spec"]["hostNetwork"] = false;  // dropped as zero
  want.mutable_json()["metadata"]["annotations"] = json::object();         // empty vs absent
  container["args"] = json::array();
  want.mutable_json()["status"] = {{"replicas", 9}};
  kube::Object have = ReadObject(TestData("podinfo-live.yaml"));
  ResourceDiff result = differ.Compare(&want, &have);
  EXPECT_EQ(result.status, SyncStatus::kSynced) << Dump(result);

  container["resources"]["requests"]["cpu"] = 0.2;
  result = differ.Compare(&want, &have);
  ASSERT_EQ(result.differences.size(), 1u) << Dump(result);
  EXPECT_EQ(result.differences[0].path, "/spec/template/spec/containers/0/resources/requests/cpu");
}

TEST(CompareTest, ListItemsMatchByKeyNotPosition) {
  Differ differ = MakeDiffer();
  kube::Object want = Desired(kPodinfo);
  json& ports = want.mutable_json()["spec"]["template"]["spec"]["containers"][0]["ports"];
  std::swap(ports[0], ports[2]);
  kube::Object have = ReadObject(TestData("podinfo-live.yaml"));
  EXPECT_EQ(differ.Compare(&want, &have).status, SyncStatus::kSynced);

  // An owned item gone from desired is reported at its live index.
  ports.erase(1);
  ResourceDiff result = differ.Compare(&want, &have);
  ASSERT_EQ(result.differences.size(), 1u) << Dump(result);
  EXPECT_EQ(result.differences[0].path, "/spec/template/spec/containers/0/ports/1");
  EXPECT_FALSE(result.differences[0].desired.has_value());
  EXPECT_EQ(result.differences[0].live->at("containerPort"), 9797);
}

TEST(CompareTest, MetadataBeyondLabelsAndAnnotationsIsIgnored) {
  Differ differ = MakeDiffer();
  kube::Object want = Desired(kGuestbook);
  want.mutable_json()["metadata"]["finalizers"] = json::array({"example.com/keep"});
  want.mutable_json()["metadata"]["generation"] = 7;
  kube::Object have = ReadObject(TestData("guestbook-ui-live.yaml"));
  EXPECT_EQ(differ.Compare(&want, &have).status, SyncStatus::kSynced);
  want.SetLabel("team", "web");
  ResourceDiff result = differ.Compare(&want, &have);
  ASSERT_EQ(result.differences.size(), 1u) << Dump(result);
  EXPECT_EQ(result.differences[0],
            (Difference{.path = "/metadata/labels", .desired = json{{"team", "web"}}}));
}

TEST(CompareTest, DryRunModeComparesEveryField) {
  Differ differ = MakeDiffer();
  kube::Object have = ReadObject(TestData("guestbook-ui-live.yaml"));
  kube::Object dry_run = have;
  dry_run.mutable_json()["metadata"]["resourceVersion"] = "99";
  dry_run.mutable_json()["status"] = json::object();
  EXPECT_EQ(differ.CompareDryRun(dry_run, &have).status, SyncStatus::kSynced);
  // Unlike managed-fields mode, a field nobody owns counts too.
  dry_run.mutable_json()["spec"]["progressDeadlineSeconds"] = 30;
  ResourceDiff result = differ.CompareDryRun(dry_run, &have);
  ASSERT_EQ(result.differences.size(), 1u) << Dump(result);
  EXPECT_EQ(result.differences[0].path, "/spec/progressDeadlineSeconds");
  have.mutable_json()["spec"]["template"]["spec"]["nodeSelector"] = {{"disk", "ssd"}};
  result = differ.CompareDryRun(dry_run, &have);
  EXPECT_EQ(result.differences.size(), 2u) << Dump(result);
}

TEST(CompareTest, CompareAllSortsAndFindsMissingAndExtraneous) {
  Differ differ = MakeDiffer();
  std::vector<kube::Object> desired = {Desired(kPodinfo), Desired(kGuestbook)};
  desired.push_back(ParseObject(R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: podinfo-ui, namespace: default}
data: {color: blue}
)"));
  std::vector<kube::Object> live = {ReadObject(TestData("service-live.yaml")),
                                    ReadObject(TestData("guestbook-ui-live.yaml")),
                                    ReadObject(TestData("podinfo-live.yaml"))};
  Result<Report> report = differ.CompareAll(desired, live);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->resources.size(), 4u);
  std::vector<std::pair<std::string, SyncStatus>> got;
  for (const ResourceDiff& r : report->resources) got.emplace_back(r.key.ToString(), r.status);
  EXPECT_EQ(got, (std::vector<std::pair<std::string, SyncStatus>>{
                     {"/ConfigMap:default/podinfo-ui", SyncStatus::kMissing},
                     {"/Service:default/podinfo", SyncStatus::kExtraneous},
                     {"apps/Deployment:default/guestbook-ui", SyncStatus::kSynced},
                     {"apps/Deployment:default/podinfo", SyncStatus::kSynced}}));
  EXPECT_FALSE(report->Synced());
  EXPECT_EQ(report->resources[0].desired_view["data"]["color"], "blue");
  EXPECT_TRUE(report->resources[0].live_view.is_null());
  EXPECT_EQ(report->resources[1].live_view["spec"]["ports"].size(), 2u);
  EXPECT_FALSE(report->resources[1].live_view["metadata"].contains("managedFields"));

  desired.push_back(Desired(kGuestbook));
  Result<Report> twice = differ.CompareAll(desired, live);
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("Deployment/default/guestbook-ui: desired twice"),
            std::string::npos)
      << twice.status().message();
}

TEST(CompareTest, CompareAllUsesDryRunResultsWhenGiven) {
  Differ differ = MakeDiffer();
  kube::Object have = ReadObject(TestData("guestbook-ui-live.yaml"));
  kube::Object dry_run = have;
  dry_run.mutable_json()["spec"]["paused"] = true;
  DryRunResults dry_runs{{have.Key(), dry_run}};
  Result<Report> report = differ.CompareAll({Desired(kGuestbook)}, {have}, &dry_runs);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->resources[0].differences.size(), 1u);
  EXPECT_EQ(report->resources[0].differences[0].path, "/spec/paused");
}

}  // namespace
}  // namespace converge::diff
