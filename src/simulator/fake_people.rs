//! Realistic, deterministic attendees: the same event always gets the same people.

const FIRST: &[&str] = &[
    "Amara", "Ben", "Chloé", "Dmitri", "Elif", "Farah", "Gabriel", "Hana", "Ivan", "Jasmine",
    "Kwame", "Lena", "Mateo", "Nadia", "Oliver", "Priya", "Quentin", "Rosa", "Sven", "Tariq",
    "Uma", "Viktor", "Wen", "Yara", "Zoë",
];
const LAST: &[&str] = &[
    "Okafor",
    "Schmidt",
    "Dubois",
    "Ivanova",
    "Yılmaz",
    "Haddad",
    "Silva",
    "Tanaka",
    "Petrov",
    "Kaur",
    "Mensah",
    "Novak",
    "García",
    "Rahman",
    "Smith",
    "Iyer",
    "Moreau",
    "Rossi",
    "Lindqvist",
    "Aziz",
    "Patel",
    "Kowalski",
    "Chen",
    "Haddad-Ruiz",
    "O'Brien",
];
const COMPANIES: &[&str] = &[
    "Northwind Traders",
    "Contoso",
    "Globex",
    "Initech",
    "Umbrella Health",
    "Stark Logistics",
    "Wayne Analytics",
    "Acme Robotics",
    "Hooli",
    "Vandelay Industries",
    "Pied Piper",
    "Soylent Foods",
];
const TITLES: &[&str] = &[
    "Software Engineer",
    "Product Manager",
    "Head of Marketing",
    "CTO",
    "Data Scientist",
    "Event Coordinator",
    "Designer",
    "Sales Director",
    "Founder",
    "Research Fellow",
];
pub const TICKETS: &[&str] = &[
    "General Admission",
    "Early Bird",
    "VIP Pass",
    "Speaker",
    "Student",
    "Workshop Day",
];

pub struct Person {
    pub first: &'static str,
    pub last: &'static str,
    pub email: String,
    pub company: Option<&'static str>,
    pub job_title: Option<&'static str>,
    pub ticket: &'static str,
    pub ticket_index: usize,
}

/// A small mixing function: stable across runs, no RNG state to carry.
fn mix(seed: u64, i: usize, salt: u64) -> usize {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (i as u64)
            .wrapping_add(salt)
            .wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 31;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    (x ^ (x >> 29)) as usize
}

pub fn person(seed: u64, i: usize) -> Person {
    let first = FIRST[mix(seed, i, 1) % FIRST.len()];
    let last = LAST[mix(seed, i, 2) % LAST.len()];
    let ticket_index = match mix(seed, i, 3) % 100 {
        0..=59 => 0,
        60..=74 => 1,
        75..=82 => 2,
        83..=87 => 3,
        88..=95 => 4,
        _ => 5,
    };
    // Not every event collects company and title: about one in six leaves them out.
    let collects = !mix(seed, i, 4).is_multiple_of(6);
    // "Chloé" mails as chloe@, as people's addresses do.
    let ascii = |s: &str| {
        s.chars()
            .map(|c| match c {
                'é' | 'ë' => 'e',
                'í' | 'ı' => 'i',
                other => other,
            })
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_lowercase()
    };
    Person {
        first,
        last,
        email: format!("{}.{}.{i}@example.com", ascii(first), ascii(last)),
        company: collects.then(|| COMPANIES[mix(seed, i, 5) % COMPANIES.len()]),
        job_title: collects.then(|| TITLES[mix(seed, i, 6) % TITLES.len()]),
        ticket: TICKETS[ticket_index],
        ticket_index,
    }
}
