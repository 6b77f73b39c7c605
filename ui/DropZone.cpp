#include "DropZone.h"

#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QMimeData>
#include <QUrl>

namespace bd::ui {

DropZone::DropZone(QWidget *parent) : QFrame(parent), m_label(new QLabel(this))
{
    setAcceptDrops(true);
    setFrameShape(QFrame::StyledPanel);
    setFrameShadow(QFrame::Sunken);
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Base);
    m_label->setAlignment(Qt::AlignCenter);
    m_label->setForegroundRole(QPalette::PlaceholderText);
    m_label->setText(tr("Drop folders or images here to upload them into a staging batch"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 10, 8, 10);
    layout->addWidget(m_label);
}

QStringList DropZone::localPaths(const QMimeData *mime)
{
    QStringList paths;
    if (!mime || !mime->hasUrls())
        return paths;
    for (const QUrl &url : mime->urls())
        if (url.isLocalFile() && !url.toLocalFile().isEmpty())
            paths << QDir::cleanPath(url.toLocalFile());
    paths.removeDuplicates();
    return paths;
}

void DropZone::dragEnterEvent(QDragEnterEvent *event)
{
    if (localPaths(event->mimeData()).isEmpty())
        return;   // not accepted: the cursor says so
    event->acceptProposedAction();
    setHover(true);
}

void DropZone::dragLeaveEvent(QDragLeaveEvent *event)
{
    setHover(false);
    QFrame::dragLeaveEvent(event);
}

void DropZone::dropEvent(QDropEvent *event)
{
    setHover(false);
    const QStringList paths = localPaths(event->mimeData());
    if (paths.isEmpty())
        return;
    event->acceptProposedAction();
    Q_EMIT pathsDropped(paths);
}

void DropZone::setHover(bool hover)
{
    // Palette roles keep the highlight readable in light and dark themes.
    setBackgroundRole(hover ? QPalette::Highlight : QPalette::Base);
    m_label->setForegroundRole(hover ? QPalette::HighlightedText : QPalette::PlaceholderText);
    m_label->setText(hover ? tr("Release to upload") : tr("Drop folders or images here to upload them into a staging batch"));
}

}  // namespace bd::ui
