#pragma once
// The per-list half of the interaction model (docs/ui-guidelines.md): a refresh never moves the
// user. Attached to an item view, ViewState remembers the selected rows, the current row and the
// scroll position by row key (KeyRole, else column 0's text) before every model reset or layout
// change and puts them back after; it fits the columns to their contents once, then leaves the
// widths to the user and remembers widths, order and sort in the settings (when given a name),
// with the font they were set under: restored under another font size they scale with it, and a
// width narrower than its header text is widened (ColumnWidths).
#include <QObject>
#include <QPointer>
#include <QStringList>

class QAbstractItemView;
class QHeaderView;
class QSplitter;
class QTimer;

namespace bd::ui {

class ViewState : public QObject
{
    Q_OBJECT
public:
    // `settingsName` empty: nothing is saved (dialog tables); else "ui/<name>/header".
    static ViewState *attach(QAbstractItemView *view, const QString &settingsName = {});
    // A splitter whose sizes are remembered under "ui/<name>/splitter" (defaults used until then).
    static void rememberSplitter(QSplitter *splitter, const QString &name, const QList<int> &defaultSizes);

    QStringList selectedKeys() const;
    // Widths and splitter sizes are saved on a worker thread; this waits until every save so far
    // is in the settings file (attach() and rememberSplitter() do, before they read it).
    static void waitForSavedState();

private:
    ViewState(QAbstractItemView *view, const QString &settingsName);
    void remember();
    void restore();
    void fitColumnsOnce();
    void saveHeader();
    QString keyOf(int row) const;
    int rowOfKey(const QString &key) const;
    // False once the view's own destructor ran: a QTableWidget deletes its model from ~QWidget,
    // and the model's last reset must not reach a view that is only a QWidget any more.
    bool viewAlive() const;

    QPointer<QAbstractItemView> m_view;
    QString m_settingsName;
    QStringList m_selected;
    QString m_current;
    int m_currentColumn = 0;
    QString m_topKey;
    int m_scroll = 0;
    int m_hscroll = 0;
    bool m_remembered = false;
    bool m_fitted = false;
    QTimer *m_saveTimer = nullptr;
    QString m_savedState;   // the header state last written (base64), not written again
};

}  // namespace bd::ui
