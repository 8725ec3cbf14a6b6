-- Issue 14: a role inside each tenant. Tenant admins (besides the server's admins) may
-- change a project's repository and setup files and delete its projects. Every
-- existing membership becomes a plain member; new tenants get their creator as admin.
-- (Numbered 0008: 0007 is reserved for work landing beside this one.)
ALTER TABLE tenant_members
    ADD COLUMN role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member'));
