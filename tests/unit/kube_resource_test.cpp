// REST paths and queries of the Kubernetes API, as client-go builds them.
#include "webhook/kube/resource.hpp"

#include <gtest/gtest.h>

namespace hostadm::kube {
namespace {

TEST(ResourceTest, CorePathsNamespacedAndClusterScoped) {
  EXPECT_EQ(resource_path(resources::kSecrets, "demo", "esxi"),
            "/api/v1/namespaces/demo/secrets/esxi");
  EXPECT_EQ(resource_path(resources::kSecrets, ""), "/api/v1/secrets");
  EXPECT_EQ(resource_path(resources::kNamespaces, "ignored", "demo"), "/api/v1/namespaces/demo");
}

TEST(ResourceTest, GroupPathsAndEncodedNames) {
  EXPECT_EQ(resource_path(resources::kHosts, "demo"),
            "/apis/forklift.konveyor.io/v1beta1/namespaces/demo/hosts");
  EXPECT_EQ(resource_path(resources::kMutatingWebhookConfigurations, "", "a b"),
            "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/a%20b");
  EXPECT_EQ(resources::kHosts.qualified(), "hosts.forklift.konveyor.io");
  EXPECT_EQ(resources::kSecrets.qualified(), "secrets");
}

TEST(ResourceTest, ListAndWatchQueries) {
  ListOptions l;
  EXPECT_EQ(list_query(l), "");
  l.label_selector = "app in (a,b)";
  l.limit = 500;
  l.continue_token = "eyJ2Ijoi+/=";
  EXPECT_EQ(list_query(l),
            "?labelSelector=app%20in%20%28a%2Cb%29&limit=500&continue=eyJ2Ijoi%2B%2F%3D");
  WatchOptions w;
  w.resource_version = "42";
  w.timeout_seconds = 300;
  EXPECT_EQ(watch_query(w),
            "?watch=1&resourceVersion=42&allowWatchBookmarks=true&timeoutSeconds=300");
  w.bookmarks = false;
  w.field_selector = "metadata.name=ca";
  EXPECT_EQ(watch_query(w),
            "?watch=1&fieldSelector=metadata.name%3Dca&resourceVersion=42&timeoutSeconds=300");
}

}  // namespace
}  // namespace hostadm::kube
