import { sql } from "drizzle-orm";
import { crud, type ListQuery } from "../../db/crud";
import { type Post, posts } from "../../db/schema";
import { withRls } from "../../db/session";
import { notFound } from "../lib/errors";
import type { Scope } from "../lib/scope";
import type { PostCreate, PostDetail, PostUpdate } from "./schemas";

const postsCrud = crud(posts);

const toPublic = <T extends Pick<Post, "deleted_at">>({ deleted_at: _deleted, ...post }: T) => post;

const found = <T extends Pick<Post, "deleted_at">>(post: T | undefined) => {
  if (!post) throw notFound("Post");
  return toPublic(post);
};

/** One statement: the post, its author's id and name, its category. */
const detail = {
  author: { columns: { id: true, full_name: true } },
  category: { columns: { id: true, name: true, slug: true } },
} as const;

// Ownership is never checked here. RLS shows a user its own posts and everyone's published ones, and lets
// it write only its own: another user's post is not found (an UPDATE hits no row), a forged owner_id is
// refused by the INSERT policy (42501 -> 403). owner_id defaults to the current user in the database.
export const postsService = {
  list: ({ db, userId }: Scope, query: ListQuery) =>
    withRls(
      db,
      userId,
      async (tx) => {
        const page = await postsCrud.list(tx, query);
        return { ...page, data: page.data.map(toPublic) };
      },
      { readOnly: true },
    ),

  get: ({ db, userId }: Scope, id: string) =>
    withRls(db, userId, async (tx) => found((await postsCrud.getJoined(tx, id, detail)) as Post & PostDetail), {
      readOnly: true,
    }),

  /** A published post gets published_at now unless the client gave one (chk_posts_published_at). */
  create: ({ db, userId }: Scope, input: PostCreate) =>
    withRls(db, userId, async (tx) =>
      toPublic(
        await postsCrud.create(tx, {
          ...input,
          published_at: input.published_at ?? (input.is_published ? new Date() : null),
        }),
      ),
    ),

  /** Publishing keeps a post's first published_at, or sets it now; unpublishing keeps it. */
  update: ({ db, userId }: Scope, id: string, input: PostUpdate) =>
    withRls(db, userId, async (tx) => {
      const publishing = input.is_published === true && input.published_at == null;
      const values = publishing ? { ...input, published_at: sql`coalesce(${posts.published_at}, now())` } : input;
      return found(await postsCrud.update(tx, id, values));
    }),

  /** Soft delete: the post then reads as not found, except to restore it. */
  remove: ({ db, userId }: Scope, id: string) =>
    withRls(db, userId, async (tx) => {
      if (!(await postsCrud.delete(tx, id))) throw notFound("Post");
    }),

  /** The author (or a superuser) sees its soft-deleted posts through the owner policy, so it can undo. */
  restore: ({ db, userId }: Scope, id: string) =>
    withRls(db, userId, async (tx) => found(await postsCrud.restore(tx, id))),
};
