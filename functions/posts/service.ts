import { sql } from "drizzle-orm";
import { andThen } from "../../db/runner/plan";
import { posts } from "../../db/schema";
import { notFound } from "../lib/errors";
import { exposing } from "../lib/expose";
import { resourceService } from "../lib/resource-service";
import type { Scope } from "../lib/scope";
import { type PostCreate, type PostDetail, PostDetailSchema, PostSchema, type PostUpdate } from "./schemas";

const base = resourceService(posts, { name: "Post", expose: PostSchema });
const showDetail = exposing(PostDetailSchema);

/** One statement: the post, its author's id and name, its category. */
const detail = {
  author: { columns: { id: true, full_name: true } },
  category: { columns: { id: true, name: true, slug: true } },
} as const;

// Ownership is never checked here. RLS shows a user its own posts and everyone's published ones, and lets
// it write only its own: another user's post is not found (an UPDATE hits no row), a forged owner_id is
// refused by the INSERT policy (42501 -> 403). owner_id defaults to the current user in the database.
// DELETE is soft: the post then reads as not found, except to its author's restore.
export const postsService = {
  ...base,

  get: (scope: Scope, id: string) =>
    scope.run((q) =>
      andThen(base.rows.getJoined(q, id, detail), (post) => {
        if (!post) throw notFound("Post");
        return showDetail(post as PostDetail);
      }),
    ),

  /** A published post gets published_at now unless the client gave one (chk_posts_published_at). */
  create: (scope: Scope, input: PostCreate) =>
    base.create(scope, { ...input, published_at: input.published_at ?? (input.is_published ? new Date() : null) }),

  /** Publishing keeps a post's first published_at, or sets it now; unpublishing keeps it. */
  update: (scope: Scope, id: string, input: PostUpdate) => {
    const publishing = input.is_published === true && input.published_at == null;
    return base.update(
      scope,
      id,
      publishing ? { ...input, published_at: sql`coalesce(${posts.published_at}, now())` } : input,
    );
  },
};
