#include "cluster/inproc_bus.hpp"

#include "cluster/bus_conformance.hpp"
#include "cluster/membership_conformance.hpp"

namespace tc::cluster {
namespace {

std::unique_ptr<Bus> make_inproc() { return std::make_unique<InProcBus>(); }

INSTANTIATE_TEST_SUITE_P(InProc, BusConformanceTest, ::testing::Values(&make_inproc));
INSTANTIATE_TEST_SUITE_P(InProc, MembershipTest, ::testing::Values(&make_inproc));

TEST(InProcBusTest, ClosedBusRefusesWork) {
  InProcBus bus;
  bus.close();
  EXPECT_EQ(bus.publish("tc.v1.x", "y").code(), StatusCode::kUnavailable);
  EXPECT_EQ(bus.request("tc.v1.x", "y", std::chrono::seconds(1)).status().code(),
            StatusCode::kUnavailable);
}

}  // namespace
}  // namespace tc::cluster
