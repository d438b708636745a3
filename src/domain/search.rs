//! The Attendees search: what a typed search matches against and how it is split into
//! words. Every word must appear somewhere in the attendee's text, in any order, so
//! "smith jane", "acme smith" and a scanned barcode all find Jane Smith.

use super::mapping::AttendeeRecord;

/// Words of a search beyond this many are ignored (a pasted paragraph is not a search).
pub const MAX_WORDS: usize = 8;

/// The text a search is matched against: name, email, company, ticket name and barcode,
/// lower-cased once when the attendee is written (Unicode-aware, the same on both databases;
/// SQLite's own LOWER only folds ASCII), so a search compares one stored column per row
/// instead of joining and folding six.
pub fn search_text(r: &AttendeeRecord) -> String {
    joined([
        Some(r.first_name.as_str()),
        Some(r.last_name.as_str()),
        r.email.as_deref(),
        r.company.as_deref(),
        r.ticket_name.as_deref(),
        r.barcode.as_deref(),
    ])
}

fn joined(parts: [Option<&str>; 6]) -> String {
    parts
        .iter()
        .map(|p| p.unwrap_or_default())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// [`search_text`] of a row as the desk shows it: what a station matches its own list
/// against when the network is gone, by the same rule as the server.
pub fn row_text(r: &super::views::AttendeeRow) -> String {
    joined([
        Some(r.first_name.as_str()),
        Some(r.last_name.as_str()),
        r.email.as_deref(),
        r.company.as_deref(),
        r.ticket_name.as_deref(),
        r.barcode.as_deref(),
    ])
}

/// Whether every word is somewhere in `text` (a [`search_text`]).
pub fn matches(text: &str, words: &[String]) -> bool {
    words.iter().all(|w| text.contains(w.as_str()))
}

/// The words of a typed search, lower-cased as [`search_text`] is.
pub fn search_words(query: &str) -> Vec<String> {
    query
        .to_lowercase()
        .split_whitespace()
        .take(MAX_WORDS)
        .map(str::to_string)
        .collect()
}

/// SQLite's full-text query for the trigram index: every three-letter run of every word, all
/// required (`"smi" AND "mit" AND "ith"`). The index keeps no positions, so a row it names
/// only may hold the word: the search still tests each word against the row's text. `None`
/// when no word has three letters (the index cannot narrow such a search).
pub fn trigram_query(words: &[String]) -> Option<String> {
    let mut trigrams: Vec<String> = Vec::new();
    for word in words {
        let chars: Vec<char> = word.chars().collect();
        for run in chars.windows(3) {
            let trigram: String = run.iter().collect();
            if !trigrams.contains(&trigram) {
                trigrams.push(trigram);
            }
        }
    }
    if trigrams.is_empty() {
        return None;
    }
    // Each one a quoted string, so that `"`, `*`, `-` or `AND` typed by a user are letters.
    let quoted: Vec<String> = trigrams
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect();
    Some(quoted.join(" AND "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AttendanceStatus;

    fn jane() -> AttendeeRecord {
        AttendeeRecord {
            provider_attendee_id: "a1".into(),
            email: Some("Jane.Smith@Acme.test".into()),
            first_name: "Jane".into(),
            last_name: "Śmith".into(),
            company: None,
            job_title: Some("CTO".into()),
            ticket_name: Some("VIP Pass".into()),
            barcode: Some("EB-100-7".into()),
            status: AttendanceStatus::Attending,
            provider_status: None,
            provider_changed_at: None,
            provider_checked_in_at: None,
        }
    }

    #[test]
    fn the_text_holds_every_searched_field_lower_cased_and_nothing_else() {
        let text = search_text(&jane());
        assert_eq!(text, "jane śmith jane.smith@acme.test  vip pass eb-100-7");
        assert!(!text.contains("cto"), "the job title is not searched");
    }

    #[test]
    fn every_word_of_a_search_is_found_in_any_order() {
        let text = search_text(&jane());
        for query in ["ŚMITH jane", "pass  eb-100", "ACME"] {
            let words = search_words(query);
            assert!(!words.is_empty());
            assert!(words.iter().all(|w| text.contains(w.as_str())), "{query}");
        }
        // Every word, not any: "bob" is nowhere.
        assert!(!search_words("smith bob")
            .iter()
            .all(|w| text.contains(w.as_str())));
    }

    #[test]
    fn a_station_offline_matches_a_row_by_the_servers_rule() {
        let j = jane();
        let row = crate::domain::views::AttendeeRow {
            id: "x".into(),
            first_name: j.first_name.clone(),
            last_name: j.last_name.clone(),
            email: j.email.clone(),
            company: j.company.clone(),
            job_title: j.job_title.clone(),
            ticket_name: j.ticket_name.clone(),
            barcode: j.barcode.clone(),
            status: j.status,
            provider_status: None,
            is_vip: false,
            checked_in_at: None,
            checked_in_by: None,
            provider_checked_in_at: None,
            checked_in_label: None,
            provider_checked_in_label: None,
        };
        assert_eq!(row_text(&row), search_text(&j));
        assert!(matches(&row_text(&row), &search_words("śmith JANE")));
        assert!(!matches(&row_text(&row), &search_words("jane cto")));
    }

    #[test]
    fn a_search_keeps_at_most_eight_words() {
        assert_eq!(search_words("a b c d e f g h i j").len(), MAX_WORDS);
        assert!(search_words("   ").is_empty());
    }

    #[test]
    fn the_trigram_query_requires_every_run_of_three_letters_once_and_quotes_them() {
        let words = search_words("Smith ŻANETA");
        assert_eq!(
            trigram_query(&words).as_deref(),
            Some(r#""smi" AND "mit" AND "ith" AND "żan" AND "ane" AND "net" AND "eta""#)
        );
        let repeated = search_words("anana");
        assert_eq!(
            trigram_query(&repeated).as_deref(),
            Some(r#""ana" AND "nan""#)
        );
        let quoted = search_words(r#"a"b*"#);
        assert_eq!(
            trigram_query(&quoted).as_deref(),
            Some(r#""a""b" AND """b*""#)
        );
        // Words of one or two letters give the index nothing to narrow by.
        assert_eq!(trigram_query(&search_words("jo li")), None);
        assert_eq!(trigram_query(&[]), None);
    }
}
