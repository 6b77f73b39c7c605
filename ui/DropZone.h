#pragma once
// The Staging tab's drop target: folders and files dragged from a file manager (local file URLs
// only) become one ingest. Highlights while a usable drag hovers over it.
#include <QFrame>
#include <QStringList>

class QLabel;
class QMimeData;

namespace bd::ui {

class DropZone : public QFrame
{
    Q_OBJECT
public:
    explicit DropZone(QWidget *parent = nullptr);

    // The local paths a drag carries (empty when it carries none).
    static QStringList localPaths(const QMimeData *mime);

Q_SIGNALS:
    void pathsDropped(const QStringList &paths);

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dragLeaveEvent(QDragLeaveEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void setHover(bool hover);

    QLabel *m_label;
};

}  // namespace bd::ui
