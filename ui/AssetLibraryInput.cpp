#include "AssetLibraryInput.h"

#include "AppSession.h"
#include "session/Services.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QStackedWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace bd::ui {

AssetLibraryInput::AssetLibraryInput(AppSession *session, QWidget *parent) : QWidget(parent), m_session(session)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *modes = new QHBoxLayout;
    m_modes = new QButtonGroup(this);
    const QList<QPair<jobs::AssetSelection, QString>> choices{{jobs::AssetSelection::ImageIds, tr("Image ids")},
                                                              {jobs::AssetSelection::Query, tr("RoboQL query")},
                                                              {jobs::AssetSelection::AllImages, tr("Whole library")}};
    for (const auto &choice : choices) {
        auto *button = new QRadioButton(choice.second, this);
        button->setObjectName(QStringLiteral("assetMode%1").arg(int(choice.first)));
        m_modes->addButton(button, int(choice.first));
        modes->addWidget(button);
    }
    modes->addStretch();
    layout->addLayout(modes);

    m_pages = new QStackedWidget(this);
    layout->addWidget(m_pages);

    auto *idsPage = new QWidget(m_pages);
    auto *idsLayout = new QVBoxLayout(idsPage);
    idsLayout->setContentsMargins(0, 0, 0, 0);
    m_ids = new QPlainTextEdit(idsPage);
    m_ids->setObjectName(QStringLiteral("imageIds"));
    m_ids->setPlaceholderText(tr("Paste image ids: one per line, or separated by commas or spaces"));
    m_ids->setMaximumHeight(m_ids->fontMetrics().height() * 6);
    auto *idsRow = new QHBoxLayout;
    m_idsCount = new QLabel(idsPage);
    m_idsCount->setObjectName(QStringLiteral("imageIdsCount"));
    auto *load = new QPushButton(tr("Load from file…"), idsPage);
    load->setObjectName(QStringLiteral("loadImageIds"));
    idsRow->addWidget(m_idsCount, 1);
    idsRow->addWidget(load);
    idsLayout->addWidget(m_ids);
    idsLayout->addLayout(idsRow);
    m_pages->addWidget(idsPage);

    auto *queryPage = new QWidget(m_pages);
    auto *queryLayout = new QVBoxLayout(queryPage);
    queryLayout->setContentsMargins(0, 0, 0, 0);
    m_query = new QLineEdit(queryPage);
    m_query->setObjectName(QStringLiteral("assetQuery"));
    m_query->setPlaceholderText(QStringLiteral("tag:cars AND NOT tag:night"));
    m_queryCount = new QLabel(queryPage);
    m_queryCount->setObjectName(QStringLiteral("assetQueryCount"));
    m_queryCount->setWordWrap(true);
    queryLayout->addWidget(m_query);
    queryLayout->addWidget(m_queryCount);
    m_pages->addWidget(queryPage);

    auto *allPage = new QWidget(m_pages);
    auto *allLayout = new QVBoxLayout(allPage);
    allLayout->setContentsMargins(0, 0, 0, 0);
    m_libraryLabel = new QLabel(tr("Counting the images of the Asset Library…"), allPage);
    m_libraryLabel->setObjectName(QStringLiteral("libraryCount"));
    m_libraryLabel->setWordWrap(true);
    m_confirm = new QCheckBox(allPage);
    m_confirm->setObjectName(QStringLiteral("confirmAll"));
    m_confirm->setEnabled(false);   // until the count is known: a confirmation names what it confirms
    m_confirm->setText(tr("Run over every image of the Asset Library"));
    allLayout->addWidget(m_libraryLabel);
    allLayout->addWidget(m_confirm);
    m_pages->addWidget(allPage);

    m_queryTimer = new QTimer(this);
    m_queryTimer->setSingleShot(true);
    m_queryTimer->setInterval(400);
    connect(m_queryTimer, &QTimer::timeout, this, &AssetLibraryInput::countQuery);
    connect(m_modes, &QButtonGroup::idClicked, this, [this](int id) { setMode(jobs::AssetSelection(id)); });
    connect(m_ids, &QPlainTextEdit::textChanged, this, [this] {
        const QStringList ids = jobs::parseImageIds(m_ids->toPlainText().toUtf8(), nullptr);
        m_idsCount->setText(tr("%n image id(s)", nullptr, int(ids.size())));
        Q_EMIT changed();
    });
    connect(load, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Load image ids"), QString(),
                                                          tr("Text files (*.txt *.csv);;All files (*)"));
        QString error;
        if (!path.isEmpty() && !loadImageIdsFile(path, &error))
            m_idsCount->setText(error);
    });
    connect(m_query, &QLineEdit::textChanged, this, [this] {
        scheduleQueryCount();
        Q_EMIT changed();
    });
    connect(m_confirm, &QCheckBox::toggled, this, &AssetLibraryInput::changed);
    m_idsCount->setText(tr("%n image id(s)", nullptr, 0));
    setMode(jobs::AssetSelection::ImageIds);
}

jobs::AssetSelection AssetLibraryInput::mode() const
{
    return jobs::AssetSelection(m_modes->checkedId());
}

void AssetLibraryInput::setMode(jobs::AssetSelection mode)
{
    m_modes->button(int(mode))->setChecked(true);
    m_pages->setCurrentIndex(int(mode));
    if (mode == jobs::AssetSelection::AllImages && !m_libraryCount)
        countLibrary();
    Q_EMIT changed();
}

void AssetLibraryInput::setImageIdsText(const QString &text) { m_ids->setPlainText(text); }
void AssetLibraryInput::setQuery(const QString &query) { m_query->setText(query); }
void AssetLibraryInput::setConfirmed(bool confirmed) { m_confirm->setChecked(confirmed); }

bool AssetLibraryInput::loadImageIdsFile(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = tr("Cannot read %1: %2").arg(path, file.errorString());
        return false;
    }
    m_ids->setPlainText(QString::fromUtf8(file.readAll()));
    return true;
}

void AssetLibraryInput::applyTo(jobs::AssetLibraryJobSpec &spec) const
{
    spec.selection = mode();
    spec.imageIds = jobs::parseImageIds(m_ids->toPlainText().toUtf8(), nullptr);
    spec.query = m_query->text().trimmed();
    // Confirmed only while the confirmation is visible with a known count.
    spec.allImagesConfirmed = m_confirm->isEnabled() && m_confirm->isChecked();
}

jobs::FieldProblems AssetLibraryInput::inputProblems() const
{
    jobs::FieldProblems problems;
    if (mode() == jobs::AssetSelection::ImageIds)
        jobs::parseImageIds(m_ids->toPlainText().toUtf8(), &problems);
    return problems;
}

QString AssetLibraryInput::queryCountText() const { return m_queryCount->text(); }
QString AssetLibraryInput::confirmText() const { return m_confirm->text(); }

void AssetLibraryInput::scheduleQueryCount()
{
    ++m_queryGeneration;   // an answer for an older query is dropped
    m_queryCount->setText(m_query->text().trimmed().isEmpty() ? QString() : tr("Counting…"));
    if (!m_query->text().trimmed().isEmpty())
        m_queryTimer->start();
}

void AssetLibraryInput::countQuery()
{
    const QString query = m_query->text().trimmed();
    if (query.isEmpty() || !m_session)
        return;
    const int generation = ++m_queryGeneration;
    m_session->jobs()->countAssetLibrary(query, this, [this, generation](const Error &error, qint64 count) {
        if (generation != m_queryGeneration)
            return;
        if (error)
            m_queryCount->setText(error.detail.isEmpty() ? error.message : error.detail);
        else
            m_queryCount->setText(tr("%n image(s) match", nullptr, int(count)));
        Q_EMIT queryCounted();
    });
}

void AssetLibraryInput::countLibrary()
{
    if (!m_session)
        return;
    m_session->jobs()->countAssetLibrary({}, this, [this](const Error &error, qint64 count) {
        if (error) {
            m_libraryLabel->setText(tr("The Asset Library could not be counted: %1").arg(error.message));
        } else {
            m_libraryCount = count;
            m_libraryLabel->setText(tr("The whole Asset Library: %n image(s). Every one of them is processed (and paid "
                                       "for).", nullptr, int(*m_libraryCount)));
            m_confirm->setText(tr("Yes, run over all %n image(s) of the Asset Library", nullptr, int(*m_libraryCount)));
            m_confirm->setEnabled(true);
        }
        Q_EMIT libraryCounted();
        Q_EMIT changed();
    });
}

}  // namespace bd::ui
