#pragma once
// Tiny valid media made without QtGui: an 8x8 baseline JPEG whose COM segment carries a text,
// so every generated image has distinct bytes, and a minimal MP4 header for fake videos.
#include <QByteArray>
#include <QString>

namespace bd::sandbox {

QByteArray tinyJpeg(const QString &comment);
QByteArray tinyVideo(const QString &comment);

}  // namespace bd::sandbox
