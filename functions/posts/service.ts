import { sql } from "drizzle-orm";
import { crud, type ListQuery } from "../../db/crud";
import { andThen } from "../../db/runner/plan";
import { type Post, posts } from "../../db/schema";
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
  list: (scope: Scope, query: ListQuery) =>
    scope.run((q) => andThen(postsCrud.list(q, query), (page) => ({ ...page, data: page.data.map(toPublic) }))),

  get: (scope: Scope, id: string) =>
    scope.run((q) =>
      andThen(postsCrud.getJoined(q, id, detail), (post) => found(post as (Post & PostDetail) | undefined)),
    ),

  /** A published post gets published_at now unless the client gave one (chk_posts_published_at). */
  create: (scope: Scope, input: PostCreate) =>
    scope.run((q) =>
      andThen(
        postsCrud.create(q, { ...input, published_at: input.published_at ?? (input.is_published ? new Date() : null) }),
        toPublic,
      ),
    ),

  /** Publishing keeps a post's first published_at, or sets it now; unpublishing keeps it. */
  update: (scope: Scope, id: string, input: PostUpdate) => {
    const publishing = input.is_published === true && input.published_at == null;
    const values = publishing ? { ...input, published_at: sql`coalesce(${posts.published_at}, now())` } : input;
    return scope.run((q) => andThen(postsCrud.update(q, id, values), found));
  },

  /** Soft delete: the post then reads as not found, except to restore it. */
  remove: (scope: Scope, id: string) =>
    scope.run((q) =>
      andThen(postsCrud.delete(q, id), (hit) => {
        if (!hit) throw notFound("Post");
      }),
    ),

  /** The author (or a superuser) sees its soft-deleted posts through the owner policy, so it can undo. */
  restore: (scope: Scope, id: string) => scope.run((q) => andThen(postsCrud.restore(q, id), found)),
};
