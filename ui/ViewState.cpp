#include "ViewState.h"

#include "ColumnWidths.h"
#include "RecordTableModel.h"
#include "core/AppSettings.h"

#include <QAbstractItemView>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QThreadPool>
#include <QTimer>
#include <QTreeView>

#include <utility>

namespace bd::ui {

namespace {

// Remembered widths and splitter sizes are written on one worker thread, in order: a settings
// write rewrites and fsyncs the file (QSaveFile), 50-100 ms on the GUI thread of a busy machine.
QThreadPool *settingsWriter()
{
    static QThreadPool *pool = [] {
        auto *p = new QThreadPool;
        p->setMaxThreadCount(1);
        p->setExpiryTimeout(-1);
        p->setObjectName(QStringLiteral("settings writer"));
        return p;
    }();
    return pool;
}

void writeSettingsLater(QList<std::pair<QString, QString>> values)
{
    settingsWriter()->start([values = std::move(values)] {
        AppSettings settings;
        for (const auto &[key, value] : values)
            settings.setValue(key, value);
    });
}

}  // namespace

void ViewState::waitForSavedState()
{
    settingsWriter()->waitForDone();
}

ViewState *ViewState::attach(QAbstractItemView *view, const QString &settingsName)
{
    if (auto *existing = view->findChild<ViewState *>(QString(), Qt::FindDirectChildrenOnly))
        return existing;
    return new ViewState(view, settingsName);
}

ViewState::ViewState(QAbstractItemView *view, const QString &settingsName)
    : QObject(view), m_view(view), m_settingsName(settingsName)
{
    if (!m_settingsName.isEmpty())
        waitForSavedState();   // a write still on its way for this name is read back (milliseconds)
    QAbstractItemModel *model = view->model();
    Q_ASSERT(model);   // attach after setModel()
    // Connected after the view's and the selection model's own connections, so restore() runs last.
    connect(model, &QAbstractItemModel::modelAboutToBeReset, this, &ViewState::remember);
    connect(model, &QAbstractItemModel::modelReset, this, &ViewState::restore);
    connect(model, &QAbstractItemModel::layoutAboutToBeChanged, this, &ViewState::remember);
    connect(model, &QAbstractItemModel::layoutChanged, this, &ViewState::restore);
    connect(model, &QAbstractItemModel::rowsInserted, this, &ViewState::fitColumnsOnce);
    connect(model, &QAbstractItemModel::modelReset, this, &ViewState::fitColumnsOnce);

    QHeaderView *header = columnHeaderOf(view);
    if (header && !m_settingsName.isEmpty()) {
        const QByteArray saved = QByteArray::fromBase64(
            AppSettings().value(QStringLiteral("ui/%1/header").arg(m_settingsName)).toLatin1());
        if (!saved.isEmpty() && header->restoreState(saved)) {
            m_fitted = true;   // the user's widths win over any fitting
            // Saved under another font size: the same widths in characters (docs/ui-guidelines.md).
            const int savedSample = AppSettings().value(QStringLiteral("ui/%1/headerSampleWidth").arg(m_settingsName)).toInt();
            const int sample = fontSampleWidth(view->fontMetrics());
            if (savedSample > 0 && savedSample != sample)
                scaleColumns(header, double(sample) / savedSample);
            else
                widenToHeaders(header);
        }
        m_saveTimer = new QTimer(this);
        m_saveTimer->setSingleShot(true);
        m_saveTimer->setInterval(300);
        connect(m_saveTimer, &QTimer::timeout, this, &ViewState::saveHeader);
        const auto later = [this] { m_saveTimer->start(); };
        connect(header, &QHeaderView::sectionResized, this, later);
        connect(header, &QHeaderView::sectionMoved, this, later);
        connect(header, &QHeaderView::sortIndicatorChanged, this, later);
    }
    fitColumnsOnce();
}

bool ViewState::viewAlive() const
{
    // metaObject() is virtual: while ~QWidget runs it is QWidget's, so the cast fails.
    return m_view && qobject_cast<QAbstractItemView *>(static_cast<QObject *>(m_view.data()));
}

QString ViewState::keyOf(int row) const
{
    const QModelIndex index = m_view->model()->index(row, 0, m_view->rootIndex());
    const QVariant key = index.data(KeyRole);
    return key.isValid() ? key.toString() : index.data(Qt::DisplayRole).toString();
}

int ViewState::rowOfKey(const QString &key) const
{
    QAbstractItemModel *model = m_view->model();
    const int rows = model->rowCount(m_view->rootIndex());
    for (int row = 0; row < rows; ++row)
        if (keyOf(row) == key)
            return row;
    return -1;
}

QStringList ViewState::selectedKeys() const
{
    QStringList keys;
    if (!viewAlive() || !m_view->selectionModel())
        return keys;
    for (const QModelIndex &index : m_view->selectionModel()->selectedRows())
        keys << keyOf(index.row());
    return keys;
}

void ViewState::remember()
{
    if (!viewAlive() || m_remembered)
        return;   // a reset inside a layout change: the first snapshot is the user's
    m_selected = selectedKeys();
    const QModelIndex current = m_view->currentIndex();
    m_current = current.isValid() ? keyOf(current.row()) : QString();
    m_currentColumn = current.isValid() ? current.column() : 0;
    m_scroll = m_view->verticalScrollBar()->value();
    m_hscroll = m_view->horizontalScrollBar()->value();
    const QModelIndex top = m_view->indexAt(QPoint(1, 1));
    m_topKey = top.isValid() ? keyOf(top.row()) : QString();
    m_remembered = true;
}

void ViewState::restore()
{
    if (!viewAlive() || !m_remembered)
        return;
    m_remembered = false;
    QItemSelectionModel *selection = m_view->selectionModel();
    QAbstractItemModel *model = m_view->model();
    if (!selection)
        return;
    QItemSelection rows;
    for (const QString &key : std::as_const(m_selected)) {
        const int row = rowOfKey(key);
        if (row >= 0)
            rows.select(model->index(row, 0, m_view->rootIndex()),
                        model->index(row, model->columnCount(m_view->rootIndex()) - 1, m_view->rootIndex()));
    }
    const int currentRow = m_current.isEmpty() ? -1 : rowOfKey(m_current);
    if (currentRow >= 0)
        selection->setCurrentIndex(model->index(currentRow, m_currentColumn, m_view->rootIndex()),
                                   QItemSelectionModel::NoUpdate);
    if (!rows.isEmpty() && rows != selection->selection())
        selection->select(rows, QItemSelectionModel::ClearAndSelect);
    // Scroll: at the top stays at the top (new rows arriving there are seen, and their lazily
    // loaded values, e.g. file counts, are read); scrolled down: the same top row when it is
    // still there, else the same offset.
    m_view->doItemsLayout();
    const int topRow = m_topKey.isEmpty() || m_scroll == 0 ? -1 : rowOfKey(m_topKey);
    if (topRow >= 0)
        m_view->scrollTo(model->index(topRow, 0, m_view->rootIndex()), QAbstractItemView::PositionAtTop);
    else
        m_view->verticalScrollBar()->setValue(m_scroll);
    m_view->horizontalScrollBar()->setValue(m_hscroll);
}

void ViewState::fitColumnsOnce()
{
    if (m_fitted || !viewAlive() || m_view->model()->rowCount(m_view->rootIndex()) == 0)
        return;
    QHeaderView *header = columnHeaderOf(m_view);
    if (!header)
        return;
    m_fitted = true;
    // Fitted to the first rows that arrive, plus a margin for values that grow (counts, dates).
    for (int column = 0; column < header->count() - (header->stretchLastSection() ? 1 : 0); ++column) {
        const int hint = qMax(m_view->sizeHintForColumn(column), header->sectionSizeHint(column));
        header->resizeSection(column, hint + m_view->fontMetrics().horizontalAdvance(QLatin1Char('0')) * 2);
    }
}

void ViewState::saveHeader()
{
    QHeaderView *header = viewAlive() ? columnHeaderOf(m_view) : nullptr;
    if (!header || m_settingsName.isEmpty())
        return;
    const QString state = QString::fromLatin1(header->saveState().toBase64());
    if (state == m_savedState)
        return;   // a programmatic resize back to the saved widths
    m_savedState = state;
    writeSettingsLater({ { QStringLiteral("ui/%1/header").arg(m_settingsName), state },
                         { QStringLiteral("ui/%1/headerSampleWidth").arg(m_settingsName),
                           QString::number(fontSampleWidth(m_view->fontMetrics())) } });
}

void ViewState::rememberSplitter(QSplitter *splitter, const QString &name, const QList<int> &defaultSizes)
{
    const QString key = QStringLiteral("ui/%1/splitter").arg(name);
    waitForSavedState();
    const QByteArray saved = QByteArray::fromBase64(AppSettings().value(key).toLatin1());
    if (saved.isEmpty() || !splitter->restoreState(saved))
        splitter->setSizes(defaultSizes);
    QObject::connect(splitter, &QSplitter::splitterMoved, splitter, [splitter, key] {
        writeSettingsLater({ { key, QString::fromLatin1(splitter->saveState().toBase64()) } });
    });
}

}  // namespace bd::ui
