#include "engine/media_types.h"

namespace b2bua {

std::optional<MediaKind> parseMediaKind(const std::string& text) {
  if (text == "audio") return MediaKind::Audio;
  if (text == "video") return MediaKind::Video;
  return std::nullopt;
}

std::optional<LegMode> parseLegMode(const std::string& text) {
  if (text == "none") return LegMode::None;
  if (text == "srtp") return LegMode::Srtp;
  if (text == "dtls") return LegMode::Dtls;
  if (text == "zrtp") return LegMode::Zrtp;
  return std::nullopt;
}

std::optional<Direction> parseDirection(const std::string& text) {
  if (text == "sendrecv") return Direction::SendRecv;
  if (text == "sendonly") return Direction::SendOnly;
  if (text == "recvonly") return Direction::RecvOnly;
  if (text == "inactive") return Direction::Inactive;
  return std::nullopt;
}

}  // namespace b2bua
