#include "engine/bridge.h"

namespace b2bua {

std::atomic<int64_t> Bridge::live_{0};

Bridge::~Bridge() {
  live_.fetch_sub(1, std::memory_order_relaxed);
  for (auto& stream : streams) {
    for (Leg& leg : stream->legs) {
      leg.rtp.socket.close();
      leg.rtcp.socket.close();
      if (stream->ports && leg.rtpPort != 0) stream->ports->release(leg.rtpPort);
    }
  }
}

}  // namespace b2bua
