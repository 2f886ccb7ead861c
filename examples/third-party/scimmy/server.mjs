// A SCIMMY (npm) SCIM 2.0 server on loopback with in-memory storage, for trying scimtest.
import express from "express";
import SCIMMY from "scimmy";
import SCIMMYRouters from "scimmy-routers";
import {randomUUID} from "node:crypto";

const TOKEN = process.env.TOKEN || "tok-scimmy-123456";
const store = {User: new Map(), Group: new Map()};

function declare(Resource, Schema, kind, extensions = []) {
    Resource.extend?.(extensions);
    SCIMMY.Resources.declare(Resource)
        .ingress(async (resource, instance) => {
            const now = new Date();
            if (resource.id) {
                const existing = store[kind].get(resource.id);
                if (!existing) throw new SCIMMY.Types.Error(404, null, `${kind} ${resource.id} not found`);
                const updated = {...instance, id: resource.id, meta: {...existing.meta, lastModified: now}};
                store[kind].set(resource.id, updated);
                return updated;
            }
            const unique = kind === "User" ? "userName" : "displayName";
            for (const r of store[kind].values()) {
                if (String(r[unique]).toLowerCase() === String(instance[unique]).toLowerCase())
                    throw new SCIMMY.Types.Error(409, "uniqueness", `${unique} already exists`);
            }
            const id = randomUUID();
            const created = {...instance, id, meta: {created: now, lastModified: now}};
            store[kind].set(id, created);
            return created;
        })
        .egress(async (resource) => {
            if (resource.id) {
                const r = store[kind].get(resource.id);
                if (!r) throw new SCIMMY.Types.Error(404, null, `${kind} ${resource.id} not found`);
                return r;
            }
            const all = [...store[kind].values()];
            return resource.filter ? resource.filter.match(all) : all;
        })
        .degress(async (resource) => {
            if (!store[kind].delete(resource.id)) throw new SCIMMY.Types.Error(404, null, `${kind} ${resource.id} not found`);
        });
}

SCIMMY.Resources.declare(SCIMMY.Resources.User).extend(SCIMMY.Schemas.EnterpriseUser, false);
declare(SCIMMY.Resources.User, SCIMMY.Schemas.User, "User");
declare(SCIMMY.Resources.Group, SCIMMY.Schemas.Group, "Group");

const app = express();
app.use("/scim", new SCIMMYRouters({
    type: "bearer",
    docUri: "https://example.com/docs",
    handler: (req) => {
        if (req.header("Authorization") !== `Bearer ${TOKEN}`) throw new Error("Authorization failure");
        return "admin";
    },
}));
const port = Number(process.env.PORT || 18300);
app.listen(port, "127.0.0.1", () => console.log(`SCIMMY at http://127.0.0.1:${port}/scim`));
