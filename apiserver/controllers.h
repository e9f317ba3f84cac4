#pragma once
// apiserver/controllers.h (internal): what a cluster's controllers would do, just enough for
// GitOps to be judged against this server:
//   - the garbage collector (ownerReferences; Background, Foreground and Orphan propagation);
//   - the namespace controller and event compaction (Api::RunMaintenance);
//   - the ServiceAccount controller: every namespace gets a "default" ServiceAccount;
//   - simulated workloads in the spirit of KWOK: Deployments roll ReplicaSets and status
//     forward after a delay, other kinds get the status a healthy cluster would give them, and
//     the annotation converge.dev/simulate (fail, hang) makes a workload fail or never finish.
// Every change goes through Api::Handle, as a controller's requests would.

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <stop_token>
#include <string>
#include <unordered_map>
#include <vector>

#include "apiserver/api.h"

namespace converge::apiserver {

struct ControllerOptions {
  bool simulate = true;
  std::chrono::milliseconds delay{1000};  // before a simulated workload reports progress
};

// "/apis/apps/v1/namespaces/ns/deployments/name[/subresource]" (name may be empty).
std::string ResourcePath(const ResourceType& type, const std::string& ns, const std::string& name,
                         const std::string& subresource = "");
std::string MetadataString(const nlohmann::json& object, const char* field);

class Controllers {
 public:
  Controllers(Api& api, Store& store, WatchHub& hub, Registry& registry, ControllerOptions options);
  // Runs until `stop` is requested.
  void Run(std::stop_token stop);

 private:
  struct Owned {
    std::string uid;
    std::vector<std::string> owners;  // uids
    bool deleting = false;
    std::vector<std::string> finalizers;
  };

  void Rebuild();
  void Index(const std::string& key, const nlohmann::json& object, bool deleted);
  void OnEvent(const Event& event);
  void CollectGarbage(const std::string& key);
  void Reconcile(const std::string& key);
  // Notes namespaces that need their "default" ServiceAccount (again).
  void WatchAccounts(const std::string& key, const nlohmann::json& object, bool deleted);
  void CreateDefaultAccount(const std::string& ns);

  // Requests as a controller would send them; return the response.
  Response Send(const std::string& method, const std::string& path, const nlohmann::json& body,
                const std::string& content_type = "application/json");

  Api& api_;
  Store& store_;
  WatchHub& hub_;
  Registry& registry_;
  ControllerOptions options_;
  std::unordered_map<std::string, Owned> objects_;                              // by storage key
  std::unordered_map<std::string, std::string> keys_by_uid_;                    // uid -> key
  std::unordered_map<std::string, std::set<std::string>> dependents_;           // owner uid -> keys
  std::set<std::string> gc_pending_;                                            // keys to look at
  std::set<std::string> accounts_pending_;                                      // namespaces
  std::map<std::chrono::steady_clock::time_point, std::set<std::string>> due_;  // reconciles
};

}  // namespace converge::apiserver
