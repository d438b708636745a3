use serde::{Deserialize, Serialize};

/// A member's role in one workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Admin,
    Staff,
    Support,
}
super::status::db_enum!(Role { Admin => "ADMIN", Staff => "STAFF", Support => "SUPPORT" });

/// Something a member may try to do. Every server function names the permission it needs,
/// so the whole access policy is the one table in [`Role::can`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    ViewEvents,
    ViewIntegrations,
    ManageIntegrations,
    ImportEvents,
    RecoverEvents,
    SyncEvents,
    CheckInAttendees,
    ToggleVip,
    ViewSyncHistory,
    ManageMembers,
    ExportAttendees,
    /// Rotate an event's staff access code.
    ManageStaffAccess,
    /// Edit the workspace's badge templates.
    ManageBadges,
}

impl Role {
    /// The label shown in the UI.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Staff => "Staff",
            Role::Support => "Support",
        }
    }

    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            // The check-in desk: reads events, hits Sync, checks people in.
            Role::Staff => matches!(permission, ViewEvents | SyncEvents | CheckInAttendees),
            // Support reads everything, including sync history and errors, and changes nothing.
            Role::Support => matches!(permission, ViewEvents | ViewIntegrations | ViewSyncHistory),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;

    #[test]
    fn role_round_trips_through_its_database_name() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(*role));
        }
        assert_eq!(Role::parse("admin"), None);
        assert_eq!(Role::parse("OWNER"), None);
    }

    #[test]
    fn permission_table() {
        let all = [
            ViewEvents,
            ViewIntegrations,
            ManageIntegrations,
            ImportEvents,
            RecoverEvents,
            SyncEvents,
            CheckInAttendees,
            ToggleVip,
            ViewSyncHistory,
            ManageMembers,
            ExportAttendees,
            ManageStaffAccess,
            ManageBadges,
        ];
        // (permission, admin, staff, support)
        let table = [
            (ViewEvents, true, true, true),
            (ViewIntegrations, true, false, true),
            (ManageIntegrations, true, false, false),
            (ImportEvents, true, false, false),
            (RecoverEvents, true, false, false),
            (SyncEvents, true, true, false),
            (CheckInAttendees, true, true, false),
            (ToggleVip, true, false, false),
            (ViewSyncHistory, true, false, true),
            (ManageMembers, true, false, false),
            (ExportAttendees, true, false, false),
            (ManageStaffAccess, true, false, false),
            (ManageBadges, true, false, false),
        ];
        assert_eq!(table.len(), all.len(), "every permission has a row");
        for (permission, admin, staff, support) in table {
            assert_eq!(Role::Admin.can(permission), admin, "admin {permission:?}");
            assert_eq!(Role::Staff.can(permission), staff, "staff {permission:?}");
            assert_eq!(
                Role::Support.can(permission),
                support,
                "support {permission:?}"
            );
        }
    }
}
