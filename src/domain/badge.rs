//! Badge templates: a workspace's Default badge and variants that target ticket names, and
//! the rule that picks one for an attendee at print time (the attendee's `ticket_name`).

use serde::{Deserialize, Serialize};

/// Label sizes of the printers door staff use; a badge prints one per page at exactly this
/// size (CSS `@page`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LabelSize {
    #[default]
    FourByThree,
    FourBySix,
    Mm62x100,
    A6,
}
super::status::db_enum!(LabelSize {
    FourByThree => "4X3IN",
    FourBySix => "4X6IN",
    Mm62x100 => "62X100MM",
    A6 => "A6",
});

impl LabelSize {
    pub fn label(self) -> &'static str {
        match self {
            LabelSize::FourByThree => "4 × 3 in",
            LabelSize::FourBySix => "4 × 6 in",
            LabelSize::Mm62x100 => "62 × 100 mm",
            LabelSize::A6 => "A6 (105 × 148 mm)",
        }
    }

    /// (width, height) as CSS lengths.
    pub fn css(self) -> (&'static str, &'static str) {
        match self {
            LabelSize::FourByThree => ("4in", "3in"),
            LabelSize::FourBySix => ("4in", "6in"),
            LabelSize::Mm62x100 => ("62mm", "100mm"),
            LabelSize::A6 => ("105mm", "148mm"),
        }
    }

    /// The `@page` rule that prints one badge per page at the label's size.
    pub fn page_rule(self) -> String {
        let (w, h) = self.css();
        format!("@page {{ size: {w} {h}; margin: 0; }}")
    }
}

/// What a template can place on a badge, top to bottom in the template's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BadgeField {
    FirstName,
    LastName,
    Company,
    JobTitle,
    TicketName,
    QrCode,
    VipMarker,
}
super::status::db_enum!(BadgeField {
    FirstName => "FIRST_NAME",
    LastName => "LAST_NAME",
    Company => "COMPANY",
    JobTitle => "JOB_TITLE",
    TicketName => "TICKET_NAME",
    QrCode => "QR_CODE",
    VipMarker => "VIP_MARKER",
});

impl BadgeField {
    pub fn label(self) -> &'static str {
        match self {
            BadgeField::FirstName => "First name",
            BadgeField::LastName => "Last name",
            BadgeField::Company => "Company",
            BadgeField::JobTitle => "Job title",
            BadgeField::TicketName => "Ticket name",
            BadgeField::QrCode => "QR code (barcode)",
            BadgeField::VipMarker => "VIP marker",
        }
    }
}

pub const MAX_NAME_CHARS: usize = 60;
pub const MAX_TICKET_NAMES: usize = 50;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadgeTemplate {
    /// Empty for the built-in Default badge of a workspace that has not saved its own.
    pub id: String,
    pub name: String,
    pub is_default: bool,
    /// The ticket names a variant prints for (matched ignoring case and outer spaces).
    pub ticket_names: Vec<String>,
    pub size: LabelSize,
    pub fields: Vec<BadgeField>,
}

impl BadgeTemplate {
    /// The Default badge every workspace starts with.
    pub fn default_badge() -> BadgeTemplate {
        BadgeTemplate {
            id: String::new(),
            name: "Default badge".into(),
            is_default: true,
            ticket_names: Vec::new(),
            size: LabelSize::FourByThree,
            fields: vec![
                BadgeField::FirstName,
                BadgeField::LastName,
                BadgeField::Company,
                BadgeField::TicketName,
                BadgeField::QrCode,
            ],
        }
    }

    /// Whether this variant prints for `ticket_name`.
    pub fn targets(&self, ticket_name: &str) -> bool {
        let wanted = normalise(ticket_name);
        !wanted.is_empty() && self.ticket_names.iter().any(|t| normalise(t) == wanted)
    }

    /// The template as an admin may save it: trimmed, de-duplicated, with a clear reason
    /// when it cannot be saved.
    pub fn validated(mut self) -> Result<BadgeTemplate, BadgeTemplateError> {
        self.name = self.name.trim().to_string();
        if self.name.is_empty() {
            return Err(BadgeTemplateError::NoName);
        }
        if self.name.chars().count() > MAX_NAME_CHARS {
            return Err(BadgeTemplateError::NameTooLong);
        }
        let mut seen = Vec::new();
        for t in &self.ticket_names {
            let t = t.trim();
            if !t.is_empty() && !seen.iter().any(|s: &String| normalise(s) == normalise(t)) {
                seen.push(t.to_string());
            }
        }
        self.ticket_names = seen;
        if self.is_default {
            self.ticket_names.clear();
        } else if self.ticket_names.is_empty() {
            return Err(BadgeTemplateError::NoTicketNames);
        }
        if self.ticket_names.len() > MAX_TICKET_NAMES {
            return Err(BadgeTemplateError::TooManyTicketNames);
        }
        let mut fields = Vec::new();
        for f in self.fields {
            if !fields.contains(&f) {
                fields.push(f);
            }
        }
        if fields.is_empty() {
            return Err(BadgeTemplateError::NoFields);
        }
        self.fields = fields;
        Ok(self)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BadgeTemplateError {
    #[error("Give the template a name.")]
    NoName,
    #[error("Template names are at most 60 characters.")]
    NameTooLong,
    #[error("A variant template needs at least one ticket name.")]
    NoTicketNames,
    #[error("A template can target at most 50 ticket names.")]
    TooManyTicketNames,
    #[error("Place at least one field on the badge.")]
    NoFields,
}

fn normalise(ticket_name: &str) -> String {
    ticket_name.trim().to_lowercase()
}

/// The template that prints `ticket_name`'s badge: the first variant (by name) that targets
/// it, else the workspace's Default badge, else the built-in one.
pub fn choose<'a>(templates: &'a [BadgeTemplate], ticket_name: Option<&str>) -> BadgeTemplate {
    let mut variants: Vec<&'a BadgeTemplate> = templates.iter().filter(|t| !t.is_default).collect();
    variants.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    ticket_name
        .and_then(|name| variants.into_iter().find(|t| t.targets(name)))
        .or_else(|| templates.iter().find(|t| t.is_default))
        .cloned()
        .unwrap_or_else(BadgeTemplate::default_badge)
}

/// One badge ready to print: the chosen template and the attendee's fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Badge {
    pub template: BadgeTemplate,
    pub first_name: String,
    pub last_name: String,
    pub company: Option<String>,
    pub job_title: Option<String>,
    pub ticket_name: Option<String>,
    pub vip: bool,
    /// The attendee's barcode as a QR code (SVG drawn on the server); `None` without one.
    pub qr_svg: Option<String>,
}

/// The workspace's templates (Default badge first) and one real attendee for the preview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadgeSettings {
    pub templates: Vec<BadgeTemplate>,
    /// A badge of a real attendee of the workspace (the Default template), for the preview;
    /// `None` before any import.
    pub sample: Option<Badge>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant(name: &str, tickets: &[&str]) -> BadgeTemplate {
        BadgeTemplate {
            id: name.to_lowercase(),
            name: name.into(),
            is_default: false,
            ticket_names: tickets.iter().map(|t| t.to_string()).collect(),
            size: LabelSize::FourBySix,
            fields: vec![BadgeField::FirstName],
        }
    }

    #[test]
    fn the_ticket_name_picks_the_variant_and_anything_else_gets_the_default() {
        let mut default = BadgeTemplate::default_badge();
        default.id = "d".into();
        default.size = LabelSize::A6;
        let templates = vec![
            variant("Speakers", &["Speaker", " VIP Speaker "]),
            default.clone(),
            variant("Crew", &["crew"]),
        ];
        assert_eq!(choose(&templates, Some("speaker")).name, "Speakers");
        assert_eq!(choose(&templates, Some("VIP speaker")).name, "Speakers");
        assert_eq!(choose(&templates, Some(" Crew ")).name, "Crew");
        assert_eq!(choose(&templates, Some("General")), default);
        assert_eq!(choose(&templates, None), default);
        assert_eq!(choose(&templates, Some("")), default);
        // No stored default: the built-in one.
        assert_eq!(
            choose(&templates[2..], Some("General")),
            BadgeTemplate::default_badge()
        );
    }

    #[test]
    fn two_variants_for_one_ticket_resolve_by_name_whatever_their_order() {
        let a = variant("A speakers", &["Speaker"]);
        let b = variant("B speakers", &["Speaker"]);
        assert_eq!(
            choose(&[b.clone(), a.clone()], Some("Speaker")).name,
            "A speakers"
        );
        assert_eq!(choose(&[a, b], Some("Speaker")).name, "A speakers");
    }

    #[test]
    fn templates_are_cleaned_or_refused_with_a_reason() {
        let t = BadgeTemplate {
            name: "  Crew ".into(),
            ticket_names: vec!["Crew".into(), " crew".into(), "".into(), "Stage".into()],
            fields: vec![
                BadgeField::FirstName,
                BadgeField::FirstName,
                BadgeField::QrCode,
            ],
            ..variant("x", &[])
        }
        .validated()
        .unwrap();
        assert_eq!(t.name, "Crew");
        assert_eq!(t.ticket_names, vec!["Crew", "Stage"]);
        assert_eq!(t.fields, vec![BadgeField::FirstName, BadgeField::QrCode]);

        assert_eq!(
            variant("x", &[]).validated(),
            Err(BadgeTemplateError::NoTicketNames)
        );
        assert_eq!(
            variant(" ", &["a"]).validated(),
            Err(BadgeTemplateError::NoName)
        );
        let long = "n".repeat(61);
        assert_eq!(
            variant(&long, &["a"]).validated(),
            Err(BadgeTemplateError::NameTooLong)
        );
        let mut empty = variant("x", &["a"]);
        empty.fields.clear();
        assert_eq!(empty.validated(), Err(BadgeTemplateError::NoFields));
        let mut default = BadgeTemplate::default_badge();
        default.ticket_names = vec!["ignored".into()];
        assert!(default.validated().unwrap().ticket_names.is_empty());
    }

    #[test]
    fn each_label_prints_at_its_exact_size() {
        assert_eq!(
            LabelSize::FourByThree.page_rule(),
            "@page { size: 4in 3in; margin: 0; }"
        );
        assert_eq!(LabelSize::Mm62x100.css(), ("62mm", "100mm"));
        assert_eq!(LabelSize::A6.css(), ("105mm", "148mm"));
        for size in LabelSize::ALL {
            assert_eq!(LabelSize::parse(size.as_str()), Some(*size));
        }
        for field in BadgeField::ALL {
            assert_eq!(BadgeField::parse(field.as_str()), Some(*field));
        }
    }
}
