// The REST client against the embedded API server over real HTTPS: every way of proving who we
// are that the server accepts (bearer token, client certificate, exec plugin, in-cluster
// service-account files), discovery, CRUD with typed errors, paging, and server-side apply.
// Where kubectl can say what the server holds, it is the witness.

#include "kube/client/client.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "base/strings.h"
#include "tests/support/support.h"

namespace converge::kube {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::ProcessResult;
using testing::TempDir;

const GroupVersionKind kConfigMap{"", "v1", "ConfigMap"};
const GroupVersionKind kNamespace{"", "v1", "Namespace"};
const GroupVersionKind kDeployment{"apps", "v1", "Deployment"};

Object Parse(const std::string& yaml) {
  Result<std::vector<Object>> objects = DecodeObjects(yaml, "test");
  EXPECT_TRUE(objects.ok()) << objects.status().message();
  return objects.ok() && !objects->empty() ? objects->front() : Object();
}

Object ConfigMap(const std::string& ns, const std::string& name, const std::string& value) {
  return Object(json{{"apiVersion", "v1"},
                     {"kind", "ConfigMap"},
                     {"metadata", {{"name", name}, {"namespace", ns}}},
                     {"data", {{"key", value}}}});
}

std::unique_ptr<Client> Connect(const ClientConfig& config) {
  Result<std::unique_ptr<Client>> client = Client::Create(config);
  EXPECT_TRUE(client.ok()) << client.status().message();
  return client.ok() ? std::move(*client) : nullptr;
}

// Who the server says we are (authentication.k8s.io SelfSubjectReview, as kubectl auth whoami).
std::string WhoAmI(Client& client) {
  ApiResult<std::string> review =
      client.Raw("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                 R"({"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"})",
                 "application/json");
  if (!review.ok()) return "error: " + review.error().message;
  return json::parse(*review)["status"]["userInfo"].value("username", "");
}

class ClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new ApiServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    Result<ClientConfig> config = LoadKubeconfig({server_->kubeconfig()});
    ASSERT_TRUE(config.ok()) << config.status().message();
    config_ = *config;
    client_ = Connect(config_);
    ASSERT_NE(client_, nullptr);
  }

  // A namespace of the test's own.
  std::string Namespace() {
    std::string name = AsciiLower(::testing::UnitTest::GetInstance()->current_test_info()->name());
    ProcessResult made = server_->Kubectl({"create", "namespace", name});
    EXPECT_EQ(made.exit_code, 0) << made.err;
    return name;
  }

  static ApiServer* server_;
  ClientConfig config_;
  std::unique_ptr<Client> client_;
};

ApiServer* ClientTest::server_ = nullptr;

TEST_F(ClientTest, TokenFromKubeconfigReachesTheServer) {
  EXPECT_EQ(WhoAmI(*client_), "converge-admin");
  ApiResult<json> version = client_->ServerVersion();
  ASSERT_TRUE(version.ok()) << version.error().message;
  EXPECT_FALSE(version->value("gitVersion", "").empty());
}

TEST_F(ClientTest, DiscoveryMapsKindsToResources) {
  ApiResult<ResourceMapping> deployments = client_->Mapping(kDeployment);
  ASSERT_TRUE(deployments.ok()) << deployments.error().message;
  EXPECT_EQ(deployments->resource, "deployments");
  EXPECT_TRUE(deployments->namespaced);
  EXPECT_NE(std::find(deployments->subresources.begin(), deployments->subresources.end(), "scale"),
            deployments->subresources.end());
  ApiResult<ResourceMapping> namespaces = client_->Mapping(kNamespace);
  ASSERT_TRUE(namespaces.ok());
  EXPECT_FALSE(namespaces->namespaced);
  // No version: the group's preferred one.
  ApiResult<ResourceMapping> preferred = client_->Mapping({"apps", "", "Deployment"});
  ASSERT_TRUE(preferred.ok());
  EXPECT_EQ(preferred->gvk.version, "v1");
  ApiResult<ResourceMapping> missing = client_->Mapping({"example.com", "v1", "Widget"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.reason(), Reason::kNotFound);
}

TEST_F(ClientTest, ANewCustomResourceDefinitionIsFoundWithoutRestart) {
  ASSERT_TRUE(client_->Mapping(kConfigMap).ok());  // discovery is cached now
  ApiResult<Object> crd = client_->Apply(Parse(R"(
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
)"));
  ASSERT_TRUE(crd.ok()) << crd.error().message;
  std::string ns = Namespace();
  Object gadget(json{{"apiVersion", "example.com/v1"},
                     {"kind", "Gadget"},
                     {"metadata", {{"name", "g1"}, {"namespace", ns}}},
                     {"spec", {{"size", 3}}}});
  // The first lookup may race the CRD's registration; the client rediscovers once per second.
  ApiResult<Object> created = client_->Create(gadget);
  for (int attempt = 0; !created.ok() && attempt < 50; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    created = client_->Create(gadget);
  }
  ASSERT_TRUE(created.ok()) << created.error().message;
  ProcessResult got = server_->Kubectl({"get", "gadgets", "-n", ns, "g1", "-o", "json"});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_EQ(json::parse(got.out)["spec"]["size"], 3);
}

TEST_F(ClientTest, CrudWithTypedErrors) {
  std::string ns = Namespace();
  ApiResult<Object> created = client_->Create(ConfigMap(ns, "one", "a"));
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_FALSE(StringAt(created->json(), {"metadata", "uid"}).empty());

  ApiResult<Object> again = client_->Create(ConfigMap(ns, "one", "a"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.reason(), Reason::kAlreadyExists);
  EXPECT_EQ(again.error().http_status, 409);
  EXPECT_EQ(again.error().message, "configmaps \"one\" already exists");

  ApiResult<Object> missing = client_->Get(kConfigMap, ns, "nothing");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.reason(), Reason::kNotFound);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.error().message, "configmaps \"nothing\" not found");

  Object changed = *created;
  changed.mutable_json()["data"]["key"] = "b";
  ApiResult<Object> updated = client_->Update(changed);
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  ProcessResult seen =
      server_->Kubectl({"get", "cm", "one", "-n", ns, "-o", "jsonpath={.data.key}"});
  EXPECT_EQ(seen.out, "b");

  // `changed` still carries the old resourceVersion: optimistic concurrency refuses it.
  ApiResult<Object> stale = client_->Update(changed);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.reason(), Reason::kConflict);
  EXPECT_NE(stale.error().message.find("the object has been modified"), std::string::npos)
      << stale.error().message;

  ApiResult<Object> patched =
      client_->Patch(kConfigMap, ns, "one", PatchType::kMerge, R"({"data":{"other":"c"}})");
  ASSERT_TRUE(patched.ok()) << patched.error().message;
  EXPECT_EQ(patched->json()["data"]["other"], "c");
  ApiResult<Object> json_patched = client_->Patch(kConfigMap, ns, "one", PatchType::kJson,
                                                  R"([{"op":"remove","path":"/data/other"}])");
  ASSERT_TRUE(json_patched.ok()) << json_patched.error().message;
  EXPECT_FALSE(json_patched->json()["data"].contains("other"));

  ApiResult<Done> wrong_uid =
      client_->Delete(kConfigMap, ns, "one", {.precondition_uid = "not-the-uid"});
  ASSERT_FALSE(wrong_uid.ok());
  EXPECT_EQ(wrong_uid.reason(), Reason::kConflict);
  ApiResult<Done> deleted = client_->Delete(
      kConfigMap, ns, "one",
      {.propagation = Propagation::kBackground,
       .precondition_uid = std::string(StringAt(created->json(), {"metadata", "uid"}))});
  ASSERT_TRUE(deleted.ok()) << deleted.error().message;
  EXPECT_EQ(client_->Get(kConfigMap, ns, "one").reason(), Reason::kNotFound);
}

// The per-client counts behind converge_kube_request_total: one per request, by verb and the
// status the server answered.
TEST_F(ClientTest, RequestsAreCountedByVerbAndCode) {
  std::string ns = Namespace();
  ASSERT_TRUE(client_->Create(ConfigMap(ns, "counted", "a")).ok());
  EXPECT_FALSE(client_->Create(ConfigMap(ns, "counted", "a")).ok());
  EXPECT_FALSE(client_->Get(kConfigMap, ns, "nothing").ok());
  EXPECT_TRUE(client_->List(kConfigMap, ns).ok());
  EXPECT_TRUE(client_->Apply(ConfigMap(ns, "applied", "a")).ok());
  EXPECT_TRUE(client_->Delete(kConfigMap, ns, "counted").ok());
  std::map<std::string, uint64_t> counts;
  for (const RequestCount& count : client_->RequestCounts()) {
    counts[count.verb + " " + count.code] = count.count;
  }
  EXPECT_EQ(counts["create 201"], 1u);
  EXPECT_EQ(counts["create 409"], 1u);
  EXPECT_EQ(counts["get 404"], 1u);
  EXPECT_EQ(counts["list 200"], 1u);
  EXPECT_EQ(counts["apply 201"], 1u);
  EXPECT_EQ(counts["delete 200"], 1u);
  EXPECT_EQ(counts.count("get error"), 0u);
}

TEST_F(ClientTest, InvalidObjectsReportTheirCauses) {
  std::string ns = Namespace();
  ApiResult<Object> created = client_->Create(ConfigMap(ns, "Not_A_Name", "a"));
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.reason(), Reason::kInvalid);
  EXPECT_EQ(created.error().http_status, 422);
  ASSERT_FALSE(created.error().causes.empty());
  EXPECT_EQ(created.error().causes.front().field, "metadata.name");
  EXPECT_EQ(created.error().causes.front().type, "FieldValueInvalid");
  EXPECT_EQ(created.status().code(), StatusCode::kInvalid);
  // kubectl reports the same server message.
  std::filesystem::path file =
      server_->File("bad.yaml", EncodeYaml(ConfigMap(ns, "Not_A_Name", "a").json()));
  ProcessResult kubectl = server_->Kubectl({"create", "-f", file.string()});
  EXPECT_NE(kubectl.err.find(created.error().message), std::string::npos)
      << kubectl.err << "\n"
      << created.error().message;
}

TEST_F(ClientTest, ListFollowsContinueTokensAndSelectors) {
  std::string ns = Namespace();
  for (int i = 0; i < 7; ++i) {
    Object object = ConfigMap(ns, "cm-" + std::to_string(i), std::to_string(i));
    object.SetLabel("parity", i % 2 == 0 ? "even" : "odd");
    ASSERT_TRUE(client_->Create(object).ok());
  }
  ApiResult<ObjectList> all = client_->List(kConfigMap, ns, {.page_size = 2});
  ASSERT_TRUE(all.ok()) << all.error().message;
  // kube-root-ca.crt is not published by the embedded server, so the namespace holds our 7.
  ASSERT_EQ(all->items.size(), 7u);
  EXPECT_EQ(all->items[3].Name(), "cm-3");
  EXPECT_EQ(all->items[3].Kind(), "ConfigMap");
  EXPECT_EQ(all->items[3].ApiVersion(), "v1");
  EXPECT_FALSE(all->resource_version.empty());

  ApiResult<ObjectList> odd = client_->List(kConfigMap, ns, {.label_selector = "parity in (odd)"});
  ASSERT_TRUE(odd.ok()) << odd.error().message;
  EXPECT_EQ(odd->items.size(), 3u);
  ApiResult<ObjectList> named =
      client_->List(kConfigMap, ns, {.field_selector = "metadata.name=cm-4"});
  ASSERT_TRUE(named.ok()) << named.error().message;
  ASSERT_EQ(named->items.size(), 1u);
  EXPECT_EQ(named->items[0].Name(), "cm-4");
  ProcessResult kubectl =
      server_->Kubectl({"get", "cm", "-n", ns, "-l", "parity!=odd", "-o", "name"});
  ApiResult<ObjectList> even = client_->List(kConfigMap, ns, {.label_selector = "parity!=odd"});
  ASSERT_TRUE(even.ok());
  std::string names;
  for (const Object& item : even->items) names += "configmap/" + std::string(item.Name()) + "\n";
  EXPECT_EQ(names, kubectl.out);
}

TEST_F(ClientTest, StatusSubresourceUpdates) {
  std::string ns = Namespace();
  ApiResult<Object> created = client_->Create(Parse(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: )" + ns + R"(}
spec:
  replicas: 0
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
)"));
  ASSERT_TRUE(created.ok()) << created.error().message;
  Object with_status = *created;
  with_status.mutable_json()["status"] = {{"observedGeneration", 1}, {"replicas", 0}};
  with_status.mutable_json()["spec"]["replicas"] = 5;  // ignored by the status endpoint
  ApiResult<Object> updated = client_->UpdateStatus(with_status);
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ(updated->json()["status"]["observedGeneration"], 1);
  EXPECT_EQ(updated->json()["spec"]["replicas"], 0);
}

// --- server-side apply ---

TEST_F(ClientTest, ApplyCreatesThenANoOpApplyChangesNothing) {
  std::string ns = Namespace();
  Object desired = ConfigMap(ns, "applied", "a");
  ApiResult<Object> first = client_->Apply(desired);
  ASSERT_TRUE(first.ok()) << first.error().message;
  std::string version(StringAt(first->json(), {"metadata", "resourceVersion"}));
  ApiResult<Object> second = client_->Apply(desired);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(StringAt(second->json(), {"metadata", "resourceVersion"}), version);
  ProcessResult managers = server_->Kubectl(
      {"get", "cm", "applied", "-n", ns, "--show-managed-fields", "-o",
       "jsonpath={.metadata.managedFields[*].manager}/{.metadata.managedFields[*].operation}"});
  EXPECT_EQ(managers.out, "converge/Apply");
}

TEST_F(ClientTest, ApplyConflictNamesTheOtherManagerAndField) {
  std::string ns = Namespace();
  ASSERT_TRUE(client_->Apply(ConfigMap(ns, "shared", "ours")).ok());
  ProcessResult theirs =
      server_->Kubectl({"patch", "cm", "shared", "-n", ns, "--field-manager", "kubectl-edit",
                        "--type", "merge", "-p", R"({"data":{"key":"theirs"}})"});
  ASSERT_EQ(theirs.exit_code, 0) << theirs.err;
  ApiResult<Object> refused = client_->Apply(ConfigMap(ns, "shared", "ours"), {.force = false});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.reason(), Reason::kConflict);
  ASSERT_EQ(refused.error().causes.size(), 1u);
  EXPECT_EQ(refused.error().causes[0].type, "FieldManagerConflict");
  EXPECT_EQ(refused.error().causes[0].field, ".data.key");
  EXPECT_NE(refused.error().causes[0].message.find("kubectl-edit"), std::string::npos)
      << refused.error().causes[0].message;
  // Forced (the default), Converge takes the field back.
  ApiResult<Object> forced = client_->Apply(ConfigMap(ns, "shared", "ours"));
  ASSERT_TRUE(forced.ok()) << forced.error().message;
  EXPECT_EQ(forced->json()["data"]["key"], "ours");
}

TEST_F(ClientTest, DryRunApplyReturnsTheDefaultedObjectWithoutPersisting) {
  std::string ns = Namespace();
  ApiResult<Object> dry = client_->Apply(Parse(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: dry, namespace: )" + ns + R"(}
spec:
  selector: {matchLabels: {app: dry}}
  template:
    metadata: {labels: {app: dry}}
    spec: {containers: [{name: web, image: nginx}]}
)"),
                                         {.dry_run = true});
  ASSERT_TRUE(dry.ok()) << dry.error().message;
  // Defaults the server fills in, as a real one does.
  EXPECT_EQ(dry->json()["spec"]["replicas"], 1);
  EXPECT_EQ(dry->json()["spec"]["strategy"]["type"], "RollingUpdate");
  EXPECT_EQ(dry->json()["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"], "Always");
  EXPECT_EQ(client_->Get(kDeployment, ns, "dry").reason(), Reason::kNotFound);
  ProcessResult kubectl = server_->Kubectl({"get", "deployment", "dry", "-n", ns});
  EXPECT_NE(kubectl.exit_code, 0);
}

// --- other ways in ---

TEST_F(ClientTest, ClientCertificateSignedByTheClusterCa) {
  TempDir dir;
  std::filesystem::path pki = server_->data_dir() / "pki";
  ProcessResult request = testing::Run(
      {"/usr/bin/openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
       "-nodes", "-keyout", (dir.path() / "alice.key").string(), "-subj",
       "/CN=alice/O=system:masters", "-out", (dir.path() / "alice.csr").string()});
  ASSERT_EQ(request.exit_code, 0) << request.err;
  ProcessResult sign =
      testing::Run({"/usr/bin/openssl", "x509", "-req", "-in", (dir.path() / "alice.csr").string(),
                    "-CA", (pki / "ca.crt").string(), "-CAkey", (pki / "ca.key").string(),
                    "-CAcreateserial", "-CAserial", (dir.path() / "ca.srl").string(), "-days", "1",
                    "-out", (dir.path() / "alice.crt").string()});
  ASSERT_EQ(sign.exit_code, 0) << sign.err;
  std::string kubeconfig = R"(apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: )" + server_->url() +
                           R"(, certificate-authority: )" + (pki / "ca.crt").string() + R"(}
users:
- name: alice
  user: {client-certificate: alice.crt, client-key: alice.key}
contexts:
- name: alice
  context: {cluster: c, user: alice}
current-context: alice
)";
  std::filesystem::path file = dir.Write("kubeconfig", kubeconfig);
  Result<ClientConfig> config = LoadKubeconfig({file});
  ASSERT_TRUE(config.ok()) << config.status().message();
  std::unique_ptr<Client> alice = Connect(*config);
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(WhoAmI(*alice), "alice");
  // kubectl with the same kubeconfig is told the same.
  ProcessResult kubectl =
      testing::Run({(testing::OracleDir() / "kubectl").string(), "--kubeconfig", file.string(),
                    "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"});
  EXPECT_EQ(kubectl.out, "alice") << kubectl.err;
}

TEST_F(ClientTest, WrongCertificateAuthorityIsRefused) {
  ClientConfig config = config_;
  config.ca_pem =
      testing::ReadFile(testing::SourceDir() / "tests/kube/client/testdata/other-ca.crt");
  std::unique_ptr<Client> client = Connect(config);
  ASSERT_NE(client, nullptr);
  ApiResult<json> version = client->ServerVersion();
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(version.reason(), Reason::kTransport);
  EXPECT_NE(version.error().message.find("not trusted"), std::string::npos)
      << version.error().message;
  // tls-server-name changes the name the certificate must carry: "localhost" is in it.
  config = config_;
  config.tls_server_name = "localhost";
  std::unique_ptr<Client> by_name = Connect(config);
  EXPECT_EQ(WhoAmI(*by_name), "converge-admin");
  config.tls_server_name = "elsewhere.example";
  std::unique_ptr<Client> wrong_name = Connect(config);
  EXPECT_EQ(wrong_name->ServerVersion().reason(), Reason::kTransport);
  // insecure-skip-tls-verify trusts whatever answers.
  config = config_;
  config.ca_pem.clear();
  config.insecure_skip_tls_verify = true;
  std::unique_ptr<Client> insecure = Connect(config);
  EXPECT_EQ(WhoAmI(*insecure), "converge-admin");
}

TEST_F(ClientTest, BadTokenIsUnauthorized) {
  ClientConfig config = config_;
  config.token = "not-a-token";
  std::unique_ptr<Client> client = Connect(config);
  ApiResult<Object> got = client->Get(kNamespace, "", "default");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.reason(), Reason::kUnauthorized);
  EXPECT_EQ(got.error().http_status, 401);
  EXPECT_EQ(got.error().message.find("not-a-token"), std::string::npos);
}

// An exec plugin as GKE's, EKS's and AKS's: a script printing an ExecCredential. It counts its
// runs in a file and hands out $TOKEN with an expiry `lifetime` seconds away (a file "bad-first"
// makes the first token a stale one).
std::filesystem::path WritePlugin(const TempDir& dir, int lifetime) {
  std::string runs = (dir.path() / "runs").string();
  std::string bad_first = (dir.path() / "bad-first").string();
  std::string script = R"sh(#!/bin/sh
echo run >> ")sh" + runs +
                       R"sh("
test "$KUBERNETES_EXEC_INFO" != "" || exit 3
expires=$(date -u -d "@$(( $(date +%s) + )sh" +
                       std::to_string(lifetime) + R"sh( ))" +%Y-%m-%dT%H:%M:%SZ)
if [ -f ")sh" + bad_first +
                       R"sh(" ]; then
  rm ")sh" + bad_first +
                       R"sh("
  tok=expired-token
else
  tok=$TOKEN
fi
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"%s"}}' "$tok" "$expires"
)sh";
  std::filesystem::path path = dir.Write("plugin.sh", script);
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  return path;
}

int Runs(const TempDir& dir) {
  std::string text = testing::ReadFile(dir.path() / "runs");
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

ClientConfig WithPlugin(const ClientConfig& base, const std::filesystem::path& plugin,
                        const std::string& token) {
  ClientConfig config = base;
  config.token.clear();
  config.exec = ExecPlugin{.api_version = "client.authentication.k8s.io/v1",
                           .command = plugin.string(),
                           .env = {{"TOKEN", token}}};
  return config;
}

TEST_F(ClientTest, ExecPluginTokenIsCachedUntilItExpires) {
  TempDir dir;
  std::filesystem::path plugin = WritePlugin(dir, 3600);
  std::unique_ptr<Client> client = Connect(WithPlugin(config_, plugin, server_->token()));
  EXPECT_EQ(WhoAmI(*client), "converge-admin");
  EXPECT_EQ(WhoAmI(*client), "converge-admin");
  ASSERT_TRUE(client->Get(kNamespace, "", "default").ok());
  EXPECT_EQ(Runs(dir), 1);

  TempDir short_lived;
  std::filesystem::path expiring = WritePlugin(short_lived, -10);
  std::unique_ptr<Client> again = Connect(WithPlugin(config_, expiring, server_->token()));
  EXPECT_EQ(WhoAmI(*again), "converge-admin");
  EXPECT_EQ(WhoAmI(*again), "converge-admin");
  EXPECT_EQ(Runs(short_lived), 2);
}

TEST_F(ClientTest, ExecPluginRunsAgainAfterUnauthorized) {
  TempDir dir;
  dir.Write("bad-first", "");
  std::filesystem::path plugin = WritePlugin(dir, 3600);
  std::unique_ptr<Client> client = Connect(WithPlugin(config_, plugin, server_->token()));
  EXPECT_EQ(WhoAmI(*client), "converge-admin");
  EXPECT_EQ(Runs(dir), 2);
}

TEST_F(ClientTest, ExecPluginFailureIsReportedWithoutTheCredential) {
  TempDir dir;
  std::filesystem::path plugin =
      dir.Write("plugin.sh", "#!/bin/sh\necho 'please run: cloud auth login' >&2\nexit 1\n");
  std::filesystem::permissions(plugin, std::filesystem::perms::owner_all);
  std::unique_ptr<Client> client = Connect(WithPlugin(config_, plugin, "secret-token"));
  ApiResult<Object> got = client->Get(kNamespace, "", "default");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.reason(), Reason::kUnauthorized);
  EXPECT_NE(got.error().message.find("please run: cloud auth login"), std::string::npos)
      << got.error().message;
}

// In a pod: KUBERNETES_SERVICE_HOST/PORT and the mounted service-account files. The token is
// re-read when the kubelet rotates it.
TEST_F(ClientTest, InClusterServiceAccountWithRotatingToken) {
  ASSERT_EQ(server_->Kubectl({"create", "serviceaccount", "robot"}).exit_code, 0);
  ASSERT_EQ(server_->Kubectl({"create", "serviceaccount", "other"}).exit_code, 0);
  ProcessResult robot = server_->Kubectl({"create", "token", "robot"});
  ProcessResult other = server_->Kubectl({"create", "token", "other"});
  ASSERT_EQ(robot.exit_code, 0) << robot.err;
  TempDir mount;
  mount.Write("token", robot.out);
  mount.Write("ca.crt", testing::ReadFile(server_->data_dir() / "pki/ca.crt"));
  mount.Write("namespace", "kube-system\n");
  ::setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
  ::setenv("KUBERNETES_SERVICE_PORT", std::to_string(server_->port()).c_str(), 1);
  Result<ClientConfig> config = InClusterConfig(mount.path());
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  ::unsetenv("KUBERNETES_SERVICE_PORT");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->ns, "kube-system");
  std::unique_ptr<Client> client = Connect(*config);
  EXPECT_EQ(WhoAmI(*client), "system:serviceaccount:default:robot");
  // The kubelet swaps the file; a later mtime marks the new token.
  std::filesystem::path token = mount.Write("token", other.out);
  std::filesystem::last_write_time(
      token, std::filesystem::last_write_time(token) + std::chrono::seconds(5));
  EXPECT_EQ(WhoAmI(*client), "system:serviceaccount:default:other");
}

TEST_F(ClientTest, UnreachableServerIsATransportError) {
  ClientConfig config = config_;
  config.server = "https://127.0.0.1:1";
  Result<std::unique_ptr<Client>> client =
      Client::Create(config, {.max_retries = 1, .retry_base = std::chrono::milliseconds(1)});
  ASSERT_TRUE(client.ok());
  ApiResult<Object> got = (*client)->Get(kNamespace, "", "default");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.reason(), Reason::kTransport);
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(got.error().message.find("cannot connect"), std::string::npos) << got.error().message;
}

}  // namespace
}  // namespace converge::kube
