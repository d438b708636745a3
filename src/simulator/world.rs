//! The simulator's state: accounts, credentials, events, attendees, webhooks.

use super::fake_people;
use super::faults::Faults;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Which {
    Eventbrite,
    Luma,
}

/// How a Luma account's webhook deliveries are signed. Luma documents neither; public
/// integrations verify one or the other, so the simulator can do both (chosen per account).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signing {
    /// `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`.
    #[default]
    StandardWebhooks,
    /// `webhook-signature: t=<secs>,v1=<hex>` (with a matching `webhook-timestamp`).
    TimestampedHex,
}

/// Over how many minutes an event's first registrations are spread (three weeks).
const REGISTRATION_SPREAD_MIN: i64 = 21 * 24 * 60;

#[derive(Clone, Debug)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub name: String,
    /// Eventbrite organization id, or Luma calendar id.
    pub owner_id: String,
    pub which: Which,
    pub signing: Signing,
    /// Further Eventbrite organizations the account belongs to (its first is `owner_id`).
    pub other_orgs: Vec<String>,
}

impl Account {
    /// Every organization (Eventbrite) or the calendar (Luma) the account reaches.
    pub fn owners(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.owner_id).chain(self.other_orgs.iter())
    }
}

#[derive(Clone, Debug)]
pub struct Event {
    pub id: String,
    pub owner_id: String,
    pub which: Which,
    pub name: String,
    pub start: i64,
    pub end: i64,
    pub timezone: String,
    /// Attendee (Eventbrite) or guest (Luma) objects in provider shape, in listing order.
    pub people: Vec<Value>,
}

#[derive(Clone, Debug)]
pub struct Webhook {
    pub id: String,
    pub which: Which,
    pub owner_id: String,
    pub event_id: Option<String>,
    pub url: String,
    /// Luma signs deliveries with the secret it returned at creation.
    pub secret: Option<String>,
    pub signing: Signing,
}

pub struct Delivery {
    pub url: String,
    pub body: Value,
    pub secret: Option<String>,
    pub signing: Signing,
}

#[derive(Default)]
pub struct World {
    pub accounts: HashMap<String, Account>,
    /// Live credentials (Eventbrite tokens, Luma keys) → account id. Revoking removes one.
    pub credentials: HashMap<String, String>,
    /// OAuth codes awaiting exchange: code → (account id, redirect_uri, client id).
    pub codes: HashMap<String, (String, String, String)>,
    /// Registered Eventbrite apps (API key → client secret): as on Eventbrite, only a
    /// registered app may ask for authorization or exchange a code.
    pub apps: HashMap<String, String>,
    pub events: BTreeMap<String, Event>,
    pub webhooks: Vec<Webhook>,
    pub faults: Faults,
    /// Calls served per credential, for tests that count provider calls.
    pub calls: HashMap<String, u64>,
    /// The providers' volume limits, on unless a test turns them off.
    pub limits: Limits,
    /// Each credential's current window: (started at, calls in it).
    pub windows: HashMap<String, (i64, u32)>,
    /// 429s answered for exceeding `limits`, for the budget run.
    pub limited: u64,
    /// Each changed person's copy from before its latest change, and when that change was
    /// made: what listings serve while `faults.listing_delay_ms` has not passed.
    pub previous: HashMap<String, (Value, i64)>,
    next: u64,
}

/// Volume limits per credential, as documented: Eventbrite 2,000 calls an hour per token,
/// Luma 200 requests a minute per calendar key.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Limits {
    pub enabled: bool,
    pub eventbrite_per_hour: u32,
    pub luma_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            enabled: true,
            eventbrite_per_hour: 2_000,
            luma_per_minute: 200,
        }
    }
}

/// A call counted against a credential's window: `Err(seconds to reset)` when over.
pub struct Counted {
    pub used: u32,
    pub limit: u32,
    pub reset_secs: i64,
    pub over: bool,
}

pub fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Registration answers in every shape Luma's spec allows: the company question's object
/// (left out by people who skip it), a boolean, a list, a string, a null.
fn luma_answers(p: &fake_people::Person, i: usize) -> Value {
    let mut answers = Vec::new();
    if p.company.is_some() || p.job_title.is_some() {
        answers.push(json!({"label": "Where do you work?", "question_id": "q-company", "question_type": "company",
            "value": {"company": p.company, "job_title": p.job_title}}));
    }
    answers.push(
        json!({"label": "I agree to the code of conduct", "question_id": "q-coc",
        "question_type": "agree-check", "value": true}),
    );
    let diet = match i % 4 {
        0 => json!(["Vegetarian"]),
        1 => json!([]),
        2 => json!(["Vegan", "No nuts"]),
        _ => json!(null),
    };
    answers.push(json!({"label": "Dietary needs", "question_id": "q-diet", "question_type": "multi-select", "value": diet}));
    answers.push(json!({"label": "How did you hear about us?", "question_id": "q-source", "question_type": "text",
        "value": if i.is_multiple_of(3) { json!(null) } else { json!("A friend") }}));
    Value::Array(answers)
}

/// Checked in at the door with the provider's own tools, in its own shape.
pub fn check_in(which: Which, p: &mut Value) {
    let t = iso(now());
    match which {
        Which::Eventbrite => {
            p["checked_in"] = json!(true);
            p["status"] = json!("Checked In");
            p["barcodes"][0]["status"] = json!("used");
            p["barcodes"][0]["checkin_type"] = json!(2);
            p["barcodes"][0]["changed"] = json!(t);
        }
        Which::Luma => {
            if let Some(ticket) = p["event_tickets"].get_mut(0) {
                ticket["checked_in_at"] = json!(t);
            }
        }
    }
}

/// Put on the waitlist (Luma) or left unpaid (Eventbrite's nearest state).
pub fn waitlist(which: Which, p: &mut Value) {
    match which {
        Which::Eventbrite => p["status"] = json!("Unpaid"),
        Which::Luma => p["approval_status"] = json!("waitlist"),
    }
}

/// A registration cancelled on the provider, in its own shape.
pub fn cancel(which: Which, p: &mut Value) {
    match which {
        Which::Eventbrite => {
            p["cancelled"] = json!(true);
            p["status"] = json!("Not Attending");
        }
        Which::Luma => p["approval_status"] = json!("declined"),
    }
}

/// A registration refunded on the provider, in its own shape.
pub fn refund(which: Which, p: &mut Value) {
    match which {
        Which::Eventbrite => {
            p["refunded"] = json!(true);
            p["status"] = json!("Not Attending");
            p["barcodes"][0]["status"] = json!("refunded");
        }
        // Luma has no separate refund state: a refunded guest is declined.
        Which::Luma => p["approval_status"] = json!("declined"),
    }
}

impl World {
    /// Counts one call of `credential` against its provider's volume limit (fixed windows
    /// from the credential's first call, as the providers' resets suggest).
    pub fn count_call(&mut self, which: Which, credential: &str) -> Counted {
        let (limit, window_ms) = match which {
            Which::Eventbrite => (self.limits.eventbrite_per_hour, 3_600_000),
            Which::Luma => (self.limits.luma_per_minute, 60_000),
        };
        let now = now();
        let w = self
            .windows
            .entry(credential.to_string())
            .or_insert((now, 0));
        if w.0 + window_ms <= now {
            *w = (now, 0);
        }
        let reset_secs = ((w.0 + window_ms - now) / 1000).max(1);
        let over = self.limits.enabled && w.1 >= limit;
        if over {
            self.limited += 1;
        } else {
            w.1 += 1;
        }
        Counted {
            used: w.1,
            limit,
            reset_secs,
            over,
        }
    }

    pub fn next_id(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    /// A Standard Webhooks secret: `whsec_` and the base64 of 24 random bytes.
    pub fn webhook_secret(&mut self) -> String {
        use base64::Engine as _;
        use rand::RngCore;
        let mut bytes = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut bytes);
        format!(
            "whsec_{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    }

    pub fn random_secret(&mut self, prefix: &str) -> String {
        use rand::Rng;
        let n: u128 = rand::thread_rng().gen();
        format!("{prefix}{n:032x}")
    }

    pub fn create_account(&mut self, which: Which, email: &str, name: &str) -> (Account, String) {
        let n = self.next_id();
        let (id, owner_id, secret) = match which {
            Which::Eventbrite => (
                format!("{}", 100_000 + n),
                format!("{}", 500_000 + n),
                self.random_secret(""),
            ),
            Which::Luma => (
                format!("usr-{n:08}"),
                format!("cal-{n:08}"),
                self.random_secret("secret-"),
            ),
        };
        let account = Account {
            id: id.clone(),
            email: email.to_lowercase(),
            name: name.into(),
            owner_id,
            which,
            signing: Signing::default(),
            other_orgs: Vec::new(),
        };
        self.accounts.insert(id.clone(), account.clone());
        self.credentials.insert(secret.clone(), id);
        (account, secret)
    }

    /// A new credential for an existing account (an OAuth re-authorisation, a new Luma key).
    pub fn issue_credential(&mut self, account_id: &str, prefix: &str) -> String {
        let secret = self.random_secret(prefix);
        self.credentials
            .insert(secret.clone(), account_id.to_string());
        secret
    }

    pub fn account_for(&self, credential: &str) -> Option<&Account> {
        self.accounts.get(self.credentials.get(credential)?)
    }

    pub fn create_event(
        &mut self,
        owner_id: &str,
        which: Which,
        name: &str,
        start: i64,
        attendees: usize,
    ) -> String {
        let n = self.next_id();
        let id = match which {
            Which::Eventbrite => format!("{}", 9_000_000 + n),
            Which::Luma => format!("evt-{n:08}"),
        };
        let mut event = Event {
            id: id.clone(),
            owner_id: owner_id.into(),
            which,
            name: name.into(),
            start,
            end: start + 8 * 3_600_000,
            timezone: "Europe/London".into(),
            people: Vec::with_capacity(attendees),
        };
        // People registered over the three weeks before, not all this second: a
        // changed-since listing then holds what changed, as on the real providers.
        let now = now();
        for i in 0..attendees {
            let person = fake_people::person(n, i);
            let registered = now - 60_000 - (i as i64 * 7_919 % REGISTRATION_SPREAD_MIN) * 60_000;
            let record = self.person_record(&event, i, &person, registered);
            event.people.push(record);
        }
        self.events.insert(id.clone(), event);
        id
    }

    fn person_record(
        &mut self,
        event: &Event,
        i: usize,
        p: &fake_people::Person,
        registered: i64,
    ) -> Value {
        let n = self.next_id();
        let t = iso(registered);
        match event.which {
            Which::Eventbrite => json!({
                "id": format!("{}", 30_000_000 + n), "event_id": event.id, "order_id": format!("{}", 70_000_000 + n),
                "created": t, "changed": t, "ticket_class_id": format!("{}", 800 + p.ticket_index),
                "ticket_class_name": p.ticket, "status": "Attending", "cancelled": false, "refunded": false,
                "checked_in": false,
                "barcodes": [{"barcode": format!("{}{:06}", event.id, i), "status": "unused", "checkin_type": 0,
                              "is_printed": false, "created": t, "changed": t}],
                "profile": {"first_name": p.first, "last_name": p.last, "name": format!("{} {}", p.first, p.last),
                            "email": p.email, "company": p.company, "job_title": p.job_title}
            }),
            // As Luma's OpenAPI document shows a guest: flat, every key present (many null), no
            // change time, check-in per ticket, company and title in the company answer.
            Which::Luma => json!({
                "id": format!("gst-{n:010}"), "user_id": format!("usr-{n:010}"), "user_email": p.email,
                "user_name": format!("{} {}", p.first, p.last), "user_first_name": p.first, "user_last_name": p.last,
                "approval_status": "approved", "registered_at": t, "invited_at": null, "joined_at": null,
                "check_in_qr_code": format!("https://luma.com/check-in/{}/gst-{n:010}", event.id),
                "phone_number": null, "utm_source": null,
                "registration_answers": luma_answers(p, i),
                "event_tickets": [{"id": format!("tkt-{n:010}"), "name": p.ticket, "amount": 0, "currency": "usd",
                    "checked_in_at": null, "event_ticket_type_id": format!("ett-{}", p.ticket_index),
                    "is_captured": true}]
            }),
        }
    }

    /// The copy of `p` a listing shows now: the previous one while its change is younger
    /// than the listing delay.
    pub fn listed<'a>(&'a self, p: &'a Value) -> &'a Value {
        let delay = self.faults.listing_delay_ms as i64;
        if delay == 0 {
            return p;
        }
        match p["id"].as_str().and_then(|id| self.previous.get(id)) {
            Some((old, at)) if now() - at < delay => old,
            _ => p,
        }
    }

    /// Deletes a registration: Eventbrite keeps it, `status: "Deleted"`; Luma's listing
    /// simply no longer holds the guest. Returns the webhooks due.
    pub fn delete_person(
        &mut self,
        event_id: &str,
        person_id: &str,
        base_url: &str,
    ) -> Option<Vec<Delivery>> {
        let which = self.events.get(event_id)?.which;
        match which {
            Which::Eventbrite => self.change_person(event_id, person_id, base_url, |_, p| {
                p["status"] = json!("Deleted");
            }),
            Which::Luma => {
                let event = self.events.get_mut(event_id)?;
                let before = event.people.len();
                event.people.retain(|p| p["id"] != person_id);
                (event.people.len() < before).then(Vec::new)
            }
        }
    }

    /// Gives an event's people every state a desk meets, deterministically: some cancelled,
    /// refunded, waitlisted, and some already checked in at the provider's own door app.
    pub fn mix_states(&mut self, event_id: &str) {
        let Some(event) = self.events.get_mut(event_id) else {
            return;
        };
        let which = event.which;
        for (i, p) in event.people.iter_mut().enumerate() {
            match i % 20 {
                3 => cancel(which, p),
                7 => refund(which, p),
                11 => waitlist(which, p),
                1 | 5 | 9 | 13 => check_in(which, p),
                _ => {}
            }
        }
    }

    /// Adds an organization to an Eventbrite account; returns its id.
    pub fn add_organization(&mut self, account_id: &str) -> Option<String> {
        let n = self.next_id();
        let org = format!("{}", 500_000 + n);
        self.accounts
            .get_mut(account_id)?
            .other_orgs
            .push(org.clone());
        Some(org)
    }

    /// Whether `account_id` reaches events owned by `owner`.
    pub fn reaches(&self, account_id: &str, owner: &str) -> bool {
        self.accounts
            .get(account_id)
            .is_some_and(|a| a.owners().any(|o| o == owner))
    }

    /// Moves an event to another time zone (its instants stay).
    pub fn set_timezone(&mut self, event_id: &str, timezone: &str) {
        if let Some(e) = self.events.get_mut(event_id) {
            e.timezone = timezone.into();
        }
    }

    /// Adds one generated registration; returns its id and the webhooks to deliver.
    pub fn add_person(
        &mut self,
        event_id: &str,
        base_url: &str,
    ) -> Option<(String, Vec<Delivery>)> {
        let event = self.events.get(event_id)?.clone();
        let i = event.people.len();
        let person = fake_people::person(self.next, i + 7919);
        let record = self.person_record(&event, i, &person, now());
        let id = record["id"].as_str().unwrap_or_default().to_string();
        self.events.get_mut(event_id)?.people.push(record);
        let deliveries =
            self.deliveries(event_id, &id, "order.placed", "guest.registered", base_url);
        Some((id, deliveries))
    }

    /// Applies `change` to one person and stamps the change time.
    pub fn change_person(
        &mut self,
        event_id: &str,
        person_id: &str,
        base_url: &str,
        change: impl FnOnce(Which, &mut Value),
    ) -> Option<Vec<Delivery>> {
        let event = self.events.get_mut(event_id)?;
        let which = event.which;
        let person = event.people.iter_mut().find(|p| p["id"] == person_id)?;
        self.previous
            .insert(person_id.to_string(), (person.clone(), now()));
        change(which, person);
        // Luma's guests carry no change time.
        if which == Which::Eventbrite {
            person["changed"] = json!(iso(now()));
        }
        Some(self.deliveries(
            event_id,
            person_id,
            "attendee.updated",
            "guest.updated",
            base_url,
        ))
    }

    fn deliveries(
        &self,
        event_id: &str,
        person_id: &str,
        eb_action: &str,
        luma_type: &str,
        base: &str,
    ) -> Vec<Delivery> {
        let Some(event) = self.events.get(event_id) else {
            return vec![];
        };
        self.webhooks
            .iter()
            .filter(|w| w.owner_id == event.owner_id && w.event_id.as_deref().is_none_or(|e| e == event_id))
            .map(|w| Delivery {
                url: w.url.clone(),
                secret: w.secret.clone(),
                signing: w.signing,
                body: match w.which {
                    Which::Eventbrite => {
                        // As on Eventbrite, an order action names the order, an attendee
                        // action the attendee.
                        let order = event.people.iter().find(|p| p["id"] == person_id).and_then(|p| p["order_id"].as_str());
                        let api_url = match order {
                            Some(order) if eb_action.starts_with("order.") => format!("{base}/eventbrite/v3/orders/{order}/"),
                            _ => format!("{base}/eventbrite/v3/events/{event_id}/attendees/{person_id}/"),
                        };
                        json!({
                            "config": {"action": eb_action, "user_id": "", "endpoint_url": w.url, "webhook_id": w.id},
                            "api_url": api_url
                        })
                    }
                    Which::Luma => {
                        let mut data = event.people.iter().find(|p| p["id"] == person_id).cloned().unwrap_or(json!({}));
                        data["event"] = json!({"id": event.id, "name": event.name});
                        json!({"type": luma_type, "data": data})
                    }
                },
            })
            .collect()
    }
}
