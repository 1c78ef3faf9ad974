// Small vocabulary shared by the engine and its JS binding.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace b2bua {

enum class MediaKind : uint8_t { Audio, Video };
/** None = plain RTP; Srtp = keys from SDES; Dtls and Zrtp = keys from the leg's own handshake. */
enum class LegMode : uint8_t { None, Srtp, Dtls, Zrtp };

/** What the bridge does with this leg's peer: receive from it (recv) and/or send to it (send). */
enum class Direction : uint8_t { SendRecv, SendOnly, RecvOnly, Inactive };

inline bool receivesFrom(Direction d) { return d == Direction::SendRecv || d == Direction::RecvOnly; }
inline bool sendsTo(Direction d) { return d == Direction::SendRecv || d == Direction::SendOnly; }

std::optional<MediaKind> parseMediaKind(const std::string& text);
std::optional<LegMode> parseLegMode(const std::string& text);
std::optional<Direction> parseDirection(const std::string& text);

}  // namespace b2bua
